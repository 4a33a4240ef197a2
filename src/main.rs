//! Entry point of the Faultline web app: everything lives in the library (so browser tests can import
//! it); this only starts it.

fn main() {
    faultline::start()
}
