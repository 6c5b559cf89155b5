// placeholder until the panes land
use super::model::LabModel;
use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Widget};
pub struct PaneCtx<'a> { pub theme: &'a Theme, pub focused: bool }
fn b(t: &str, area: Rect, buf: &mut Buffer) { Block::bordered().title(t.to_string()).render(area, buf) }
pub fn processes(_m: &LabModel, _c: &PaneCtx, a: Rect, buf: &mut Buffer) { b("processes", a, buf) }
pub fn cores(_m: &LabModel, _c: &PaneCtx, a: Rect, buf: &mut Buffer) { b("cores", a, buf) }
pub fn connections(_m: &LabModel, _c: &PaneCtx, a: Rect, buf: &mut Buffer) { b("connections", a, buf) }
pub fn events(_m: &LabModel, _c: &PaneCtx, a: Rect, buf: &mut Buffer) { b("events", a, buf) }
pub fn fds(_m: &LabModel, _c: &PaneCtx, a: Rect, buf: &mut Buffer) { b("fds", a, buf) }
