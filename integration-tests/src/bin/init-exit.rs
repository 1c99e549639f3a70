//! Test function: exits with status 3 while initialising, before it asks for an event
//! (as a function whose configuration is missing does).

fn main() {
    eprintln!("init-exit: required configuration is missing, giving up");
    std::process::exit(3);
}
