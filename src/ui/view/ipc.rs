//! The ipc pane: the event log's messages between processes.

use super::events::log_pane;
use super::pane::PaneCtx;
use crate::ui::model::{LabModel, LogKind, LogLine};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The messages between the processes only: from, to, bytes and fds attached.
pub fn ipc(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let lines: Vec<&LogLine> = m.log.lines.iter().filter(|l| l.kind == LogKind::Ipc).collect();
    log_pane(&lines, m.log.ipc_scroll, "ipc", &tr!("no-messages-yet"), cx, area, buf);
}
