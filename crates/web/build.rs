// The assets (app.js, app.css, fonts) and the message catalogues are embedded at compile time;
// an edited file must rebuild this crate even when no Rust file changed, or the server keeps
// serving the old one.
fn main() {
    println!("cargo:rerun-if-changed=assets");
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-changed=templates");
}
