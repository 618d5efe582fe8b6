//! `paysign bill --wallet wechat|alipay [--stats] < file`: reads a trade bill as the worker
//! does (WeChat's CSV, plain or gzip is left to `gunzip`; Alipay's detail CSV in UTF-8,
//! e.g. `iconv -f GBK`) and prints its lines counted and summed, the same totals a
//! reconciliation report shows; a bill whose summary disagrees with its lines is refused
//! with the reader's reason. `--stats` adds the time taken and the process's peak memory.

use std::process::ExitCode;
use std::time::Instant;

use paycore::bills::{AlipayBillParser, BillTotals, WechatBillParser};

use crate::UsageError;

/// Peak resident memory of this process in KiB (Linux; `None` elsewhere).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `paysign bill …` on the bill's bytes.
pub fn run(args: &[String], input: &[u8]) -> Result<ExitCode, UsageError> {
    let mut wallet = None;
    let mut stats = false;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--wallet" => wallet = it.next().cloned(),
            "--stats" => stats = true,
            other => return Err(UsageError(format!("unknown option `{other}`"))),
        }
    }
    let started = Instant::now();
    let (lines, totals): (usize, Result<BillTotals, String>) = match wallet.as_deref() {
        Some("wechat") => {
            let mut p = WechatBillParser::new();
            let lines = p.feed(input).map_err(|e| UsageError(e.to_string()))?.len();
            (lines, p.finish().map_err(|e| e.to_string()))
        }
        Some("alipay") => {
            let mut p = AlipayBillParser::new();
            let lines = p.feed(input).map_err(|e| UsageError(e.to_string()))?.len();
            (lines, p.finish().map_err(|e| e.to_string()))
        }
        _ => return Err(UsageError("--wallet wechat|alipay is required".into())),
    };
    let totals = match totals {
        Ok(t) => t,
        Err(why) => {
            eprintln!("paysign: the bill does not add up: {why}");
            return Ok(ExitCode::from(1));
        }
    };
    let mut out = serde_json::json!({"lines": lines, "totals": totals});
    if stats {
        out["ms"] = serde_json::json!(started.elapsed().as_micros() / 1000);
        out["peak_rss_kib"] = serde_json::json!(peak_rss_kib());
    }
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}
