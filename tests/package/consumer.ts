// A strict TypeScript checkout that uses the packed SDK. Every `@ts-expect-error` line must
// be an error: if the types degraded to `any`, the directive itself would fail the build.
import { PayClient, PayError, renderQr, mountQr, type AlipayQrResult, type CheckoutOptions, type CheckoutQr, type OrderState, type PayResult, type WechatPayResult } from "paybridge-sdk";
import init, { PayClient as WebPayClient, renderQr as webRenderQr } from "paybridge-sdk/web";

export async function checkout(el: Element): Promise<OrderState> {
  const client = new PayClient({ endpoint: "https://pay.example.com" });
  const alipay: PayResult = await client.pay({ orderNo: "order_0001", wallet: "alipay", returnUrl: "https://shop.example/done" });
  const url: string | undefined = alipay.alipayUrl;
  const spec: PayResult = await client.pay({ orderNo: "order_0001", type: 2 });
  const wx: WechatPayResult = await client.wechatPay({ orderNo: "order_0001" });
  const code: string = wx.qrCode;
  const expires: number = wx.expiresAt;
  const ali: AlipayQrResult = await client.alipayQr({ orderNo: "order_0001", signal: AbortSignal.timeout(5000) });
  const aliSvg: string = renderQr(ali.qrCode);
  const svg: string = renderQr(code, { size: 240, ecc: "H", border: 2 });
  mountQr(el, code);
  const now: OrderState = await client.getState({ orderNo: "order_0001" });
  let final: OrderState;
  try {
    final = await client.pollState({
      orderNo: now.orderNo,
      signal: new AbortController().signal,
      onUpdate: (s) => {
        const n: 0 | 1 | 2 | 3 = s.payState;
        console.log(s.state, n, url, expires, svg.length, aliSvg.length, spec.qrCode);
      },
    });
  } catch (e) {
    if (e instanceof PayError && e.code === -13) return now;
    throw e;
  }
  if (final.state === "paid" || final.state === "cancelled" || final.state === "refunded") return final;

  // @ts-expect-error: wallet is "alipay" | "wechat"
  await client.pay({ orderNo: "order_0001", wallet: "paypal" });
  // @ts-expect-error: type is 1 | 2
  await client.pay({ orderNo: "order_0001", type: 3 });
  // @ts-expect-error: orderNo is required
  await client.wechatPay({});
  // @ts-expect-error: orderNo is required
  await client.getState({});
  // @ts-expect-error: ecc is "L" | "M" | "Q" | "H"
  renderQr("x", { ecc: "X" });
  // @ts-expect-error: no such state
  if (final.state === "done") return final;
  // @ts-expect-error: endpoint is required
  new PayClient({});
  // @ts-expect-error: code is a number
  const bad: string = new PayError(-3, "x").code;
  return final ?? bad;
}

// checkout() on any device, resume() on the return page.
export async function mobile(container: HTMLElement): Promise<OrderState | undefined> {
  const client = new WebPayClient({ endpoint: "https://pay.example.com" });
  const options: CheckoutOptions = {
    orderNo: "order_0001",
    wallet: "wechat",
    returnUrl: "https://shop.example/done?order=order_0001",
    container,
    signal: AbortSignal.timeout(60_000),
    onUpdate: (s) => console.log(s.state),
    onQr: (code: CheckoutQr) => console.log(code.wallet, code.qrCode, code.expiresAt),
    qr: { size: 240 },
    lang: "zh",
  };
  try {
    const paid: OrderState = await client.checkout(options);
    const forced = await client.checkout({ ...options, wallet: "alipay", device: "mobile", alipayQr: false, navigate: (url: string) => console.log(url) });
    console.log(forced.payState, paid.state);
    // The return page: the same options, or only the wallet (the worker appended order_no).
    await client.resume(options);
    return await client.resume({ wallet: "wechat", wxToken: "abc" });
  } catch (e) {
    if (e instanceof PayError && (e.code === -36 || e.code === -34)) return undefined;
    if (e instanceof PayError && e.code === -12) return e.state;
    throw e;
  }
}

export async function wrongCheckouts(client: PayClient, options: CheckoutOptions): Promise<void> {
  // @ts-expect-error: device is pc, mobile, wechat or alipay
  await client.checkout({ ...options, device: "tablet" });
  // @ts-expect-error: returnUrl is required
  await client.checkout({ orderNo: "order_0001", wallet: "alipay" });
  // @ts-expect-error: wallet is required
  await client.resume({ orderNo: "order_0001" });
  // @ts-expect-error: container is an Element
  await client.checkout({ ...options, container: "#qr" });
}

export async function webTarget(): Promise<string> {
  await init();
  const client = new WebPayClient({ endpoint: "https://pay.example.com" });
  // The older positional form still type-checks.
  const state = await client.getState("order_0001");
  return webRenderQr(state.orderNo);
}
