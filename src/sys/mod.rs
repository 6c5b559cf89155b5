//! The leaves: every syscall wrapper and every `unsafe` of the app side lives here, but for
//! `doctor`'s fork and SCM_RIGHTS checks, which call what they test. Nothing in `sys` imports
//! another layer.

pub mod alloc;
pub mod chan;
pub mod exit;
pub mod gate;
pub mod groups;
pub mod jobctl;
pub mod listener;
pub mod probe;
pub mod procfs;
pub mod pty;
pub mod reaper;
pub mod rundir;
pub mod sockdiag;
pub mod spawn;
pub mod term;
