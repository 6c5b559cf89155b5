// placeholder until the renderer lands
use super::theme::Theme;
use ratatui::text::Text;
pub fn render(md: &str, _t: &Theme, _w: u16) -> Text<'static> {
    Text::raw(md.to_string())
}
