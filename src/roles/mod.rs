//! What runs in the children: the master (Node's primary), the workers it forks, the daemon
//! of the daemon lesson, and the load client. Roles speak to the app only through `proto`'s
//! messages over `sys::chan` channels.

pub mod client;
pub mod daemon;
pub mod master;
pub mod worker;
