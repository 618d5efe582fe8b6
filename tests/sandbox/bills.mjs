// A day's trade bill, rendered byte for byte in each provider's format, from plain trade
// records. Pure functions: the sandbox serves them, and core's bill readers are tested on
// files made here (core/tests/data/bills/), so reader and sandbox check each other.
//
// WeChat Pay: the `ALL` bill of v2 `downloadbill` and of the v3 tradebill file (the same
// text): a header of plain names, one back-ticked line per payment or refund, then the
// summary header and back-ticked summary values. Formats as in binarywang/WxJava's
// WxPayBillResultTest and a Go v3 client's download test (27 columns).
//
// Alipay: `alipay.data.dataservice.bill.downloadurl.query` (bill_type=trade) serves a ZIP
// of two GBK CSVs, `<账号>_<yyyyMMdd>_业务明细.csv` and `…_业务明细(汇总).csv`, where the
// account is the partner id followed by `0156`. The detail file is shaped like a real one
// (25 columns, tab-padded fields, negative refund amounts, `#` preamble and footer); the
// 汇总 file only approximates the real one (readers skip it).
import iconv from "iconv-lite";
import { deflateRawSync, gzipSync } from "node:zlib";
import { beijing, yuan } from "./wire.mjs";

const WECHAT_HEADER =
  "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类," +
  "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包," +
  "手续费,费率,订单金额,申请退款金额,费率备注";
const WECHAT_SUMMARY_HEADER = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";
/** WeChat's standard rate, 0.6%, in thousandths. */
const RATE_PER_MILLE = 6n;

const toDate = (t) => (t instanceof Date ? t : new Date(Number(t) * 1000));

/** A fee in fen at 0.6%, rounded half up (integers only). */
const feeOf = (fen) => (BigInt(fen) * RATE_PER_MILLE + 500n) / 1000n;

/** Fen → WeChat's five-decimal fee text, signed: -27n → "-0.27000". */
const fee5 = (fen) => (fen < 0n ? `-${yuan(-fen)}000` : `${yuan(fen)}000`);

/**
 * The `ALL` bill as text. Each line: { time (Date or Unix seconds), transactionId,
 * outTradeNo, openid, tradeType, state: "SUCCESS" | "REFUND", totalFen, refundId?,
 * outRefundNo?, refundFen?, refundState? (default SUCCESS), subject, attach? }.
 * For a REFUND line `time` is when the refund was accepted and totalFen is unused.
 * Lines end in CRLF as v2 `downloadbill` sends them; the v3 file's samples end in LF
 * (`eol: "\n"`).
 */
export function wechatBillCsv({ appid, mchId, lines, eol = "\r\n" }) {
  const out = [WECHAT_HEADER];
  const sum = { settle: 0n, refund: 0n, fee: 0n, total: 0n, applied: 0n };
  for (const l of lines) {
    const refund = l.state === "REFUND";
    if (!refund && l.state !== "SUCCESS") throw new Error(`unknown state ${l.state}`);
    const total = refund ? 0n : BigInt(l.totalFen);
    const applied = refund ? BigInt(l.refundFen) : 0n;
    const fee = refund ? -feeOf(applied) : feeOf(total);
    sum.settle += total;
    sum.total += total;
    sum.refund += applied;
    sum.applied += applied;
    sum.fee += fee;
    const fields = [
      beijing(toDate(l.time), false),
      appid,
      mchId,
      "0",
      "",
      l.transactionId,
      l.outTradeNo,
      l.openid ?? "",
      l.tradeType ?? "NATIVE",
      l.state,
      "OTHERS",
      "CNY",
      yuan(total),
      "0.00",
      refund ? l.refundId : "0",
      refund ? l.outRefundNo : "0",
      yuan(applied),
      "0.00",
      refund ? "ORIGINAL" : "",
      refund ? (l.refundState ?? "SUCCESS") : "",
      l.subject,
      l.attach ?? "",
      fee5(fee),
      "0.60%",
      yuan(total),
      yuan(applied),
      "",
    ];
    out.push(fields.map((f) => `\`${f}`).join(","));
  }
  out.push(WECHAT_SUMMARY_HEADER);
  const summary = [String(lines.length), yuan(sum.settle), yuan(sum.refund), "0.00", fee5(sum.fee), yuan(sum.total), yuan(sum.applied)];
  out.push(summary.map((f) => `\`${f}`).join(","));
  return out.join(eol) + eol;
}

/** The same bill gzipped, as `tar_type=GZIP` serves it. */
export function wechatBillGzip(options) {
  return gzipSync(Buffer.from(wechatBillCsv(options), "utf8"));
}

const ALIPAY_HEADER =
  "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）," +
  "商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称," +
  "商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注";
const ALIPAY_SUMMARY_HEADER =
  "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）," +
  "卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）";
/** The dashes of the list markers: 41 before, then 40, 36, 40 or 37 after. */
const dashes = (n) => "-".repeat(n);

/** "2026-12-04" → its parts and the next day, checked. */
function billDay(date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const start = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (!start || start.toISOString().slice(0, 10) !== date) throw new Error(`bad date ${date}`);
  const next = new Date(start.getTime() + 86_400_000).toISOString().slice(0, 10);
  const cn = (iso) => `${iso.slice(0, 4)}年${iso.slice(5, 7)}月${iso.slice(8, 10)}日`;
  return { compact: date.replaceAll("-", ""), from: cn(date), to: cn(next), next };
}

/** A signed yuan text; refunds are negative in Alipay's bill. */
const signed = (fen, negative) => (negative && BigInt(fen) !== 0n ? `-${yuan(fen)}` : yuan(fen));

/**
 * The 业务明细 CSV as text (before GBK; what the worker reads after TextDecoder("gbk")). Each line: { tradeNo, outTradeNo,
 * type: "交易" | "退款", subject, created, finished (Date or Unix seconds), totalFen (the
 * refunded amount on a 退款 line), receiptFen? (default totalFen), outRequestNo?, buyer?,
 * remark? }.
 */
export function alipayDetailCsv(options) {
  return alipayDetail(options).text;
}

function alipayDetail({ partner, date, lines, account = `${partner}0156`, eol = "\r\n" }) {
  const day = billDay(date);
  const out = [
    "#支付宝业务明细查询",
    `#账号：[${account}]`,
    `#起始日期：[${day.from} 00:00:00]   终止日期：[${day.to} 00:00:00]`,
    `#${dashes(41)}业务明细列表${dashes(40)}`,
    ALIPAY_HEADER,
  ];
  const sum = { trades: 0, refunds: 0, tradeReceipt: 0n, refundReceipt: 0n };
  for (const l of lines) {
    const refund = l.type === "退款";
    if (!refund && l.type !== "交易") throw new Error(`unknown type ${l.type}`);
    const receipt = BigInt(l.receiptFen ?? l.totalFen);
    if (refund) (sum.refunds += 1), (sum.refundReceipt += receipt);
    else (sum.trades += 1), (sum.tradeReceipt += receipt);
    const fields = [
      `${l.tradeNo}\t`,
      `${l.outTradeNo}\t`,
      `${l.type}\t`,
      l.subject,
      beijing(toDate(l.created), false),
      beijing(toDate(l.finished), false),
      "\t",
      "\t",
      "\t",
      "\t",
      `${l.buyer ?? "*买家(138****0000)"}\t`,
      signed(l.totalFen, refund),
      signed(receipt, refund),
      "0.00",
      "0.00",
      "0.00",
      "0.00",
      "0.00",
      "",
      "0.00\t",
      "0.00",
      `${refund ? (l.outRequestNo ?? "") : ""}\t`,
      "0.00",
      "0.00",
      l.remark ?? "",
    ];
    out.push(fields.join(","));
  }
  out.push(`#${dashes(41)}业务明细列表结束${dashes(36)}`);
  out.push(`#交易合计：${sum.trades}笔，商家实收共${yuan(sum.tradeReceipt)}元，商家优惠共0.00元`);
  out.push(`#退款合计：${sum.refunds}笔，商家实收退款共${signed(sum.refundReceipt, true)}元，商家优惠退款共0.00元`);
  out.push(`#导出时间：[${day.to} 06:00:00]`);
  return { text: out.join(eol) + eol, sum, day };
}

function alipaySummaryCsv({ account, sum, day, total, eol }) {
  const net = sum.tradeReceipt - sum.refundReceipt;
  return (
    [
      "#支付宝业务汇总查询",
      `#账号：[${account}]`,
      `#起始日期：[${day.from} 00:00:00]   终止日期：[${day.to} 00:00:00]`,
      `#${dashes(41)}业务汇总列表${dashes(40)}`,
      ALIPAY_SUMMARY_HEADER,
      `合计,,${sum.trades},${sum.refunds},${signed(total, total < 0n)},${signed(net < 0n ? -net : net, net < 0n)},0.00,0.00,0.00,0.00,0.00,${signed(net < 0n ? -net : net, net < 0n)}`,
      `#${dashes(40)}业务汇总列表结束${dashes(37)}`,
      `#导出时间：[${day.to} 06:00:00]`,
    ].join(eol) + eol
  );
}

/**
 * The ZIP Alipay's download URL serves: the detail and summary CSVs in GBK, deflated,
 * written here byte by byte (local headers, central directory, end record; names in GBK
 * without the UTF-8 flag, as Alipay's are). Same arguments as alipayDetailCsv.
 */
export function alipayBillZip(options) {
  const { partner, date, lines, eol = "\r\n" } = options;
  const account = options.account ?? `${partner}0156`;
  const { text, sum, day } = alipayDetail({ ...options, account, eol });
  const total = lines.reduce((t, l) => t + (l.type === "退款" ? -BigInt(l.totalFen) : BigInt(l.totalFen)), 0n);
  const files = [
    { name: `${account}_${day.compact}_业务明细.csv`, data: iconv.encode(text, "gbk") },
    { name: `${account}_${day.compact}_业务明细(汇总).csv`, data: iconv.encode(alipaySummaryCsv({ account, sum, day, total, eol }), "gbk") },
  ];
  return zip(files, dosTime(day.next, 6, 0, 0));
}

/** MS-DOS date and time words (local time; here Beijing). */
function dosTime(isoDate, h, mi, s) {
  const [y, mo, d] = isoDate.split("-").map(Number);
  return { time: (h << 11) | (mi << 5) | (s >> 1), date: ((y - 1980) << 9) | (mo << 5) | d };
}

/** A ZIP of deflated files: [{ name (text, stored as GBK), data: Buffer }]. */
export function zip(files, when = dosTime("2026-01-01", 0, 0, 0)) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const f of files) {
    const name = iconv.encode(f.name, "gbk");
    const packed = deflateRawSync(f.data);
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(when.time, 10);
    local.writeUInt16LE(when.date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: MS-DOS, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(when.time, 12);
    central.writeUInt16LE(when.date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42); // extra, comment, disk, attributes: 0
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE), as ZIP and gzip use. */
export function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
