//! The cores pane: each core's usage now and its recent history.

use super::pane::*;
use crate::ui::model::LabModel;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Each core's usage now as a bar, and its recent history as a sparkline, newest at the right.
pub fn cores(m: &LabModel, cx: &PaneCtx, area: Rect, buf: &mut Buffer) {
    let t = cx.theme;
    let Some(inner) = draw_block(pane_block(cx, title(t, "cores", &[])), area, buf) else { return };
    if m.cores.is_empty() {
        put(buf, inner, 0, Line::styled(tr!("no-samples-yet"), t.dim));
        return;
    }
    let n = m.cores.len();
    let height = inner.height as usize;
    let shown = if n > height { height.saturating_sub(1) } else { n };
    let label_w = text_width(&format!("cpu{}", n - 1));
    let width = inner.width as usize;
    // cpu0 [bar] 100%  spark
    let fixed = label_w + 1 + 2 + 1 + 4;
    let room = width.saturating_sub(fixed);
    let spark_w = if room >= 12 { (room / 2).min(crate::ui::model::CORE_HISTORY) } else { 0 };
    let bar_w = room.saturating_sub(if spark_w > 0 { spark_w + 2 } else { 0 }).min(MAX_BAR);
    let glyphs = t.spark();

    for (row, core) in m.cores.iter().take(shown).enumerate() {
        let now = core.now().clamp(0.0, 100.0);
        let label = pad_right(&format!("cpu{row}"), label_w);
        let mut spans = vec![Span::styled(label, t.text), Span::raw(" ")];
        if bar_w > 0 {
            let filled = ((now / 100.0) * bar_w as f32).round() as usize;
            spans.push(Span::styled("[", t.dim));
            spans.push(Span::styled(t.bar_full().repeat(filled.min(bar_w)), t.bar));
            spans.push(Span::raw(" ".repeat(bar_w - filled.min(bar_w))));
            spans.push(Span::styled("]", t.dim));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(format!("{:>3.0}%", now), t.text));
        if spark_w > 0 {
            let samples: Vec<f32> = core.samples.iter().rev().take(spark_w).rev().copied().collect();
            let mut spark = " ".repeat(spark_w - samples.len());
            for v in samples {
                let level = (v.clamp(0.0, 100.0) / 100.0 * (glyphs.len() - 1) as f32).round() as usize;
                spark.push_str(glyphs[level.min(glyphs.len() - 1)]);
            }
            spans.push(Span::raw("  "));
            spans.push(Span::styled(spark, t.bar));
        }
        put(buf, inner, row as u16, Line::from(spans));
    }
    if shown < n {
        put(buf, inner, shown as u16, Line::styled(format!("+{} more", n - shown), t.dim));
    }
}
