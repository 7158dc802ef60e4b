//! What the host reveals about itself: `gethostname()`, `getfqdn()` of this host, and the
//! interfaces (`if_nameindex`, `if_nametoindex`, `if_indextoname` of indices 1 to 8), which
//! the policy grants (`--hostname`, `--reveal-interfaces`, link rules); prints each.
use capsock::{getfqdn, gethostname, if_indextoname, if_nameindex, if_nametoindex};

fn main() {
    println!("gethostname: {}", gethostname().unwrap());
    println!("getfqdn: {}", getfqdn("").unwrap());
    let names: Vec<String> = if_nameindex()
        .unwrap()
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    println!("if_nameindex: {}", names.join(" "));
    for name in ["lo", "v0", "v1"] {
        match if_nametoindex(name) {
            Ok(_) => println!("if_nametoindex {name}: found"),
            Err(e) => println!("if_nametoindex {name}: {}({e})", e.python_class()),
        }
    }
    let by_index: Vec<String> = (1..=8).filter_map(|i| if_indextoname(i).ok()).collect();
    println!("if_indextoname 1-8: {}", by_index.join(" "));
}
