//! Getting a day's bill from the wallet's configured API through the one provider driver:
//! the bill request, the download where the answer names a URL, then the file unpacked.

use paycore::bills::BillDate;
use paycore::order::{Order, Provider};
use paycore::provider::{BillAnswer, Call, CallContext, Outcome};

use super::unpack;
use crate::platform::config::Config;
use crate::platform::outbound;
use crate::providers::Wallet;

/// A day's bill, or that there is none.
pub enum Got {
    /// The bill's lines and its raw bytes as they came (kept for audit).
    Bill {
        /// The lines, read.
        lines: Vec<paycore::bills::BillLine>,
        /// The raw file.
        raw: Vec<u8>,
        /// Its file name's extension.
        ext: &'static str,
    },
    /// No trades that day: the provider has no bill.
    NoBill,
}

/// Why there is no bill now.
pub enum Miss {
    /// The provider has not made it yet.
    NotReady(String),
    /// The request, the download or the file failed.
    Failed(String),
}

/// Bill calls are about no order; the driver's calls take one, which they ignore.
fn no_order(now: i64) -> Order {
    let no = paycore::OrderNo::parse("reconciliation").expect("a valid order number");
    Order::new(no, paycore::AmountFen::new(1).expect("one fen"), String::new(), String::new(), now, now)
}

/// The bill of `date` for `wallet`.
pub async fn bill(config: &Config, wallet: Provider, date: BillDate, now: i64) -> Result<Got, Miss> {
    let failed = |e: &dyn std::fmt::Display| Miss::Failed(e.to_string());
    let w = Wallet::of(config, wallet).map_err(|e| failed(&e))?;
    let cx = CallContext { now, nonce: outbound::nonce(), public_base: config.public_base().unwrap_or_default() };
    let order = no_order(now);
    let answer = match w.run(config, &Call::Bill { date }, &order, &cx).await.map_err(|e| failed(&e))? {
        Outcome::Bill(answer) => answer,
        _ => return Err(Miss::Failed("the bill request gave no bill answer".into())),
    };
    let (raw, packing, sha1) = match answer {
        BillAnswer::NoBill => return Ok(Got::NoBill),
        BillAnswer::NotReady(why) => return Err(Miss::NotReady(why)),
        BillAnswer::File { bytes, packing } => (bytes, packing, None),
        BillAnswer::Download { url, packing, sha1 } => {
            let call = Call::BillFile { url };
            match w.run(config, &call, &order, &cx).await.map_err(|e| failed(&e))? {
                Outcome::BillFile(bytes) => (bytes, packing, sha1),
                _ => return Err(Miss::Failed("the download gave no file".into())),
            }
        }
    };
    let lines = unpack::bill_lines(wallet, &raw, packing, sha1.as_deref()).await.map_err(Miss::Failed)?;
    let ext = match packing {
        paycore::provider::Packing::Plain => "csv",
        paycore::provider::Packing::Gzip => "csv.gz",
        paycore::provider::Packing::Zip => "zip",
    };
    Ok(Got::Bill { lines, raw, ext })
}
