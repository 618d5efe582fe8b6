//! QR codes as SVG: the symbol from [`encode`] (byte mode, checked module-for-module
//! against the `qrcodegen` reference library), drawn as one `<path>` of horizontal runs,
//! crisp at any size.

pub mod encode;
mod penalty;
mod reed_solomon;

use encode::{Ecc, encode};
use serde::Deserialize;
use tsify::Tsify;

/// Options of `renderQr`.
#[derive(Debug, Default, Clone, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct QrOptions {
    /// Error correction level: `"L"`, `"M"` (default), `"Q"` or `"H"`.
    #[tsify(optional, type = "\"L\" | \"M\" | \"Q\" | \"H\"")]
    #[serde(default)]
    pub ecc: Option<String>,
    /// Quiet zone in modules (default 4, as the QR standard asks).
    #[tsify(optional)]
    #[serde(default)]
    pub border: Option<u32>,
    /// Width and height attributes in CSS pixels (default: none, the SVG scales).
    #[tsify(optional)]
    #[serde(default)]
    pub size: Option<u32>,
    /// Module colour (default `#000`).
    #[tsify(optional)]
    #[serde(default)]
    pub dark: Option<String>,
    /// Background colour (default `#fff`).
    #[tsify(optional)]
    #[serde(default)]
    pub light: Option<String>,
}

/// Why a QR code could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrError {
    /// The text does not fit in a QR code at this error-correction level.
    TooLong,
    /// An option is invalid (its name).
    BadOption(&'static str),
}

fn color(value: &Option<String>, default: &'static str, name: &'static str) -> Result<String, QrError> {
    match value {
        None => Ok(default.to_owned()),
        // Only colour syntax: no quotes or angle brackets can reach the SVG.
        Some(c)
            if !c.is_empty()
                && c.len() <= 64
                && c.bytes().all(|b| b.is_ascii_alphanumeric() || b"#(),.% ".contains(&b)) =>
        {
            Ok(c.clone())
        }
        Some(_) => Err(QrError::BadOption(name)),
    }
}

fn push_num(out: &mut String, n: i32) {
    // Avoids core::fmt's integer formatting machinery in the hot loop.
    let mut buf = [0u8; 11];
    let mut i = buf.len();
    let negative = n < 0;
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if negative {
        out.push('-');
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

/// Renders `text` as an SVG document string.
pub fn render_svg(text: &str, options: &QrOptions) -> Result<String, QrError> {
    let ecc = match options.ecc.as_deref() {
        None | Some("M") => Ecc::Medium,
        Some("L") => Ecc::Low,
        Some("Q") => Ecc::Quartile,
        Some("H") => Ecc::High,
        Some(_) => return Err(QrError::BadOption("ecc")),
    };
    let border = options.border.unwrap_or(4);
    if border > 64 {
        return Err(QrError::BadOption("border"));
    }
    let dark = color(&options.dark, "#000", "dark")?;
    let light = color(&options.light, "#fff", "light")?;
    let qr = encode(text.as_bytes(), ecc).map_err(|_| QrError::TooLong)?;
    let n = qr.size() as i32;
    let border = border as i32;
    let dim = n + 2 * border;
    let mut out = String::with_capacity(512 + (n * n) as usize);
    out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
    push_num(&mut out, dim);
    out.push(' ');
    push_num(&mut out, dim);
    out.push('"');
    if let Some(size) = options.size {
        out.push_str(" width=\"");
        push_num(&mut out, size.min(4096) as i32);
        out.push_str("\" height=\"");
        push_num(&mut out, size.min(4096) as i32);
        out.push('"');
    }
    out.push_str(" shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"100%\" height=\"100%\" fill=\"");
    out.push_str(&light);
    out.push_str("\"/><path fill=\"");
    out.push_str(&dark);
    out.push_str("\" d=\"");
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if !qr.is_dark(x as usize, y as usize) {
                x += 1;
                continue;
            }
            let start = x;
            while x < n && qr.is_dark(x as usize, y as usize) {
                x += 1;
            }
            out.push('M');
            push_num(&mut out, start + border);
            out.push(' ');
            push_num(&mut out, y + border);
            out.push('h');
            push_num(&mut out, x - start);
            out.push_str("v1h-");
            push_num(&mut out, x - start);
            out.push('z');
        }
    }
    out.push_str("\"/></svg>");
    Ok(out)
}

/// The module matrix (for tests): `true` = dark, without the border.
pub fn matrix(text: &str) -> Option<Vec<Vec<bool>>> {
    let qr = encode(text.as_bytes(), Ecc::Medium).ok()?;
    let n = qr.size();
    Some((0..n).map(|y| (0..n).map(|x| qr.is_dark(x, y)).collect()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paints the SVG's runs back into a matrix.
    fn paint(svg: &str, dim: usize, border: usize) -> Vec<Vec<bool>> {
        let d = svg.split(" d=\"").nth(1).unwrap().split('"').next().unwrap();
        let mut m = vec![vec![false; dim - 2 * border]; dim - 2 * border];
        for run in d.split('M').filter(|r| !r.is_empty()) {
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let len: usize = rest.split('v').next().unwrap().parse().unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            for dx in 0..len {
                m[y - border][x - border + dx] = true;
            }
        }
        m
    }

    #[test]
    fn svg_draws_exactly_the_matrix() {
        let text = "weixin://wxpay/bizpayurl?pr=D7TOzCi";
        let svg = render_svg(text, &QrOptions::default()).unwrap();
        let m = matrix(text).unwrap();
        let dim = m.len() + 8;
        assert!(svg.starts_with(&format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {dim} {dim}\"")));
        assert_eq!(paint(&svg, dim, 4), m);
        // Finder pattern corner: 7 dark modules in the first row.
        assert!(m[0][..7].iter().all(|&d| d) && !m[0][7]);
    }

    #[test]
    fn options_are_checked() {
        let svg = render_svg(
            "x",
            &QrOptions { size: Some(240), dark: Some("#07c160".into()), border: Some(2), ..Default::default() },
        )
        .unwrap();
        assert!(svg.contains("width=\"240\" height=\"240\"") && svg.contains("fill=\"#07c160\""));
        assert_eq!(
            render_svg("x", &QrOptions { dark: Some("red\"/><script>".into()), ..Default::default() }),
            Err(QrError::BadOption("dark"))
        );
        assert_eq!(
            render_svg("x", &QrOptions { ecc: Some("Z".into()), ..Default::default() }),
            Err(QrError::BadOption("ecc"))
        );
        assert_eq!(render_svg(&"x".repeat(5000), &QrOptions::default()), Err(QrError::TooLong));
        let mut s = String::new();
        for n in [0, 7, 10, 123, -5] {
            push_num(&mut s, n);
            s.push(',');
        }
        assert_eq!(s, "0,7,10,123,-5,");
    }
}
