/**
 * The demo's printed report: a heading per stage and aligned figures, every one of them taken
 * from the {@link DemoSummary} the run measured.
 */
import { Rational } from "../../src/math/rational.js";
import { WIN_PROB_SCALE } from "../../src/ticket/ev.js";
import type { DemoSummary } from "./runDemo.js";

/** Wei as ETH with `digits` decimals. */
function eth(wei: bigint | Rational, digits = 6): string {
  return `${Rational.from(wei)
    .div(10n ** 18n)
    .toDecimalString(digits)} ETH`;
}

/** An exact amount with exactly `digits` decimals (rounded down). */
function fixed(r: Rational, digits = 2): string {
  const text = r.toDecimalString(digits);
  const [whole, frac = ""] = text.split(".");
  return `${whole}.${frac.padEnd(digits, "0")}`;
}

/** An integer with thousands separators. */
function int(n: bigint | number): string {
  return BigInt(n).toLocaleString("en-US");
}

function pct(part: bigint, whole: bigint): string {
  if (whole === 0n) return "-";
  return `${Rational.of(part * 100n, whole).toDecimalString(1)}%`;
}

/** Rows as aligned columns: the first left-aligned, the rest right-aligned. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ")}`.trimEnd();
  return [line(header), `  ${widths.map((w) => "-".repeat(w)).join("  ")}`, ...rows.map(line)];
}

/** Label/value lines with the values aligned. */
function pairs(rows: readonly [string, string][]): string[] {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${`${k}:`.padEnd(width + 1)}  ${v}`);
}

function heading(title: string): string[] {
  return ["", title, "-".repeat(title.length)];
}

/** The report's lines. */
export function formatReport(s: DemoSummary): string[] {
  const out: string[] = [];
  const winners = s.redemptions.reduce((n, r) => n + r.redeemed, 0);
  const redeemedFace = s.redemptions.reduce((sum, r) => sum + r.faceValueRedeemed, 0n);
  const eventFace = s.redemptions.reduce((sum, r) => sum + r.events.faceValue, 0n);
  const gas = s.redemptions.reduce((sum, r) => sum + r.gasUsed, 0n);
  const fees = s.redemptions.reduce((sum, r) => sum + r.feesWei, 0n);
  const txs = s.redemptions.reduce((n, r) => n + r.transactions, 0);
  const singlesGas = s.redemptions.reduce((sum, r) => sum + r.singles.gasUsed, 0n);
  const singlesFees = s.redemptions.reduce((sum, r) => sum + r.singles.feesWei, 0n);
  const singlesCount = s.redemptions.reduce((n, r) => n + r.singles.count, 0);
  const depositDrop =
    s.gatewayFunds.depositBefore -
    s.gatewayFunds.depositAfter +
    (s.gatewayFunds.reserveBefore - s.gatewayFunds.reserveAfter);

  out.push(...heading("1. Prices"));
  out.push(
    ...pairs([
      [
        "gas price for face values",
        `${int(s.gasPriceWei)} wei (the chain's maxFeePerGas at start)`,
      ],
      ...s.prices.transcoders.map((t): [string, string] => [
        `${t.name} transcoding`,
        `${int(t.weiPerPixel)} wei/pixel = ${eth(t.segmentFee)} per 2-s segment`,
      ]),
      [
        "orch-infer inference (x402)",
        `${eth(s.prices.inference.perRequest)} per request + ${int(s.prices.inference.perToken)} wei/token (at most ${eth(s.prices.inference.maxPerRequest)})`,
      ],
    ]),
  );

  out.push(...heading("2. Tickets: face value, win probability, winners"));
  const winnersOf = new Map(s.redemptions.map((r) => [r.name, r.winners]));
  out.push(
    ...table(
      [
        "payee",
        "face value",
        "win probability",
        "EV per ticket",
        "params sets",
        "tickets",
        "expected winners",
        "actual",
      ],
      s.params.map((p) => [
        p.payee,
        eth(p.faceValue),
        `1 in ${Rational.of(WIN_PROB_SCALE, p.winProb).toDecimalString(2)}`,
        eth(p.ev, 9),
        String(p.sets),
        String(p.tickets),
        fixed(Rational.of(p.winProb * BigInt(p.tickets), WIN_PROB_SCALE)),
        // Winners are counted per payee: terms of one payee share its row when it has one.
        s.params.filter((q) => q.payee === p.payee).length === 1
          ? String(winnersOf.get(p.payee) ?? 0)
          : "-",
      ]),
    ),
  );

  out.push(...heading("3. Gateway stream over HTTP (signer -> payees -> work server debits)"));
  out.push(
    ...pairs([
      ["segments", int(s.stream.segments)],
      [
        "payments signed",
        s.stream.paymentsWithTickets === s.stream.payments
          ? `${int(s.stream.payments)} (each needed tickets)`
          : `${int(s.stream.payments)} (${int(s.stream.paymentsWithTickets)} needed tickets, ${int(s.stream.payments - s.stream.paymentsWithTickets)} were covered by session credit)`,
      ],
      ["tickets sent", int(s.stream.tickets)],
      ["EV paid / fees debited", `${eth(s.stream.evPaid)} / ${eth(s.stream.feesDebited)}`],
      [
        "payments per second",
        `${(s.stream.payments / s.stream.seconds).toFixed(0)} (${s.stream.seconds.toFixed(2)} s, each: sign + pay + debit)`,
      ],
    ]),
  );

  out.push(...heading("4. Agent calling the x402 inference API"));
  out.push(
    ...pairs([
      ["paid requests", int(s.agent.requests)],
      [
        "requests carrying tickets",
        `${int(s.agent.requestsWithTickets)} (${int(s.agent.requests - s.agent.requestsWithTickets)} paid from session credit alone)`,
      ],
      ["tickets sent", int(s.agent.tickets)],
      [
        "EV paid / charged",
        `${eth(s.agent.evPaid)} / ${eth(s.agent.charged)} for ${int(s.agent.tokens)} tokens`,
      ],
      [
        "requests per second",
        `${(s.agent.requests / s.agent.seconds).toFixed(0)} (${s.agent.seconds.toFixed(2)} s)`,
      ],
    ]),
  );

  out.push(...heading("5. The lottery"));
  out.push(
    ...pairs([
      ["tickets sent", int(s.lottery.tickets)],
      [
        "expected winners (Σ win prob.)",
        `${fixed(s.lottery.expectedWinners)}; actual: ${s.lottery.actualWinners}`,
      ],
      [
        "EV paid / face value redeemed",
        `${eth(s.lottery.evPaid)} / ${eth(redeemedFace)} (${pct(redeemedFace, s.lottery.evPaid.floor())} of EV)`,
      ],
      ["chain time moved forward", `${int(s.timeAdvanced)} s (params deadline + grace)`],
    ]),
  );

  out.push(...heading("6. Redemption (each orchestrator's redeemer, batched)"));
  out.push(
    ...table(
      [
        "orchestrator",
        "redeemed",
        "txs",
        "decision (cost/face value)",
        "face value",
        "gas",
        "gas/winner",
        "alone",
      ],
      s.redemptions.map((r) => [
        r.name,
        `${r.redeemed}/${r.winners}`,
        String(r.transactions),
        r.decision === undefined
          ? "-"
          : `${r.decision.action}: ${r.decision.reason}, ${pct(r.decision.costWei, r.decision.faceValue)}`,
        eth(r.faceValueRedeemed),
        int(r.gasUsed),
        r.redeemed === 0 ? "-" : int(r.gasUsed / BigInt(r.redeemed)),
        r.singles.count === 0 ? "-" : int(r.singles.gasUsed / BigInt(r.singles.count)),
      ]),
    ),
  );
  out.push(
    ...pairs([
      [
        "gas per winner",
        winners === 0
          ? "-"
          : `${int(gas / BigInt(winners))} (${txs} transactions for ${winners} winners)`,
      ],
      [
        "one transaction per winner",
        singlesCount === 0
          ? "-"
          : `${int(singlesGas)} gas, ${eth(singlesFees, 9)} ("alone": sent on a snapshot, then undone)`,
      ],
      [
        "batching saved",
        singlesCount === 0
          ? "-"
          : `${int(singlesGas - gas)} gas = ${eth(singlesFees - fees, 9)} (${pct(singlesGas - gas, singlesGas)})`,
      ],
    ]),
  );

  out.push(...heading("7. Balances"));
  out.push(
    ...table(
      ["orchestrator", "face value (events)", "- gas fees paid", "= ETH balance change", ""],
      s.redemptions.map((r) => [
        r.name,
        eth(r.events.faceValue, 9),
        eth(r.feesWei, 9),
        eth(r.ethAfter - r.ethBefore, 9),
        r.ethAfter - r.ethBefore === r.events.faceValue - r.feesWei ? "ok" : "MISMATCH",
      ]),
    ),
  );
  out.push(
    ...pairs([
      [
        "gateway deposit + reserve",
        `${eth(s.gatewayFunds.depositBefore + s.gatewayFunds.reserveBefore)} -> ${eth(s.gatewayFunds.depositAfter + s.gatewayFunds.reserveAfter)}`,
      ],
      [
        "decrease = Σ face value redeemed",
        `${eth(depositDrop)} = ${eth(eventFace)} ${depositDrop === eventFace ? "(adds up)" : "(DOES NOT ADD UP)"}`,
      ],
      ["winners left unredeemed", String(s.unredeemedWinners)],
    ]),
  );

  out.push(...heading("8. JSON-RPC requests made by the services"));
  out.push(
    ...table(
      ["component", "requests", "by method"],
      s.rpc.map((c) => [
        c.component,
        int(c.total),
        c.byMethod
          .slice(0, 3)
          .map(([m, n]) => `${m} ${n}`)
          .join(", ") + (c.byMethod.length > 3 ? ", …" : ""),
      ]),
    ),
  );

  out.push(...pairs([["total", `${int(s.rpc.reduce((n, c) => n + c.total, 0))} requests`]]));

  if (s.next.length > 0) {
    out.push(...heading("Where to go next"));
    out.push(...pairs(s.next.map((n): [string, string] => [n.path, n.what])));
  }
  out.push("", `Done in ${s.seconds.toFixed(1)} s.`);
  return out;
}

/**
 * The demo's invariants, checked on its own figures: an empty list when they all hold, else one
 * line per broken one.
 */
export function brokenInvariants(s: DemoSummary): string[] {
  const broken: string[] = [];
  const f = s.gatewayFunds;
  const decrease = f.depositBefore + f.reserveBefore - (f.depositAfter + f.reserveAfter);
  const eventFace = s.redemptions.reduce((sum, r) => sum + r.events.faceValue, 0n);
  if (decrease !== eventFace) {
    broken.push(`gateway funds fell by ${decrease} wei, redemptions paid ${eventFace} wei`);
  }
  for (const r of s.redemptions) {
    if (r.ethAfter - r.ethBefore !== r.events.faceValue - r.feesWei) {
      broken.push(`${r.name}: ETH balance change is not face value minus gas fees`);
    }
    if (r.redeemed !== r.winners || r.events.count !== r.redeemed) {
      broken.push(
        `${r.name}: ${r.winners} winners, ${r.redeemed} redeemed, ${r.events.count} events`,
      );
    }
  }
  if (s.unredeemedWinners !== 0) broken.push(`${s.unredeemedWinners} winners left unredeemed`);
  const reported = s.stream.winnersReported + s.agent.winnersReported;
  if (reported !== s.lottery.actualWinners) {
    broken.push(
      `payees reported ${reported} winners, their stores hold ${s.lottery.actualWinners}`,
    );
  }
  return broken;
}
