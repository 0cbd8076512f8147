/**
 * An agent that calls the inference API through the lottery `fetch` wrapper: it lists the models
 * once, then asks for completions; the wrapper pays with tickets when the session's credit runs
 * out and sends nothing extra otherwise.
 */
import {
  wrapFetchWithLottery,
  type LotteryChallenge,
  type PaymentMessage,
} from "../../../src/index.js";

/** What the agent spent, from the server's PAYMENT-RESPONSE headers. */
export interface AgentReport {
  requests: number;
  payments: number;
  tickets: number;
  /** Wei charged by the server (sum of `charged`). */
  charged: bigint;
  /** Wei of credit left in the session. */
  balance: bigint;
  tokens: number;
  winners: number;
}

/** Calls `GET /v1/models` and `prompts.length` completions; returns what was spent. */
export async function runAgent(args: {
  baseUrl: string;
  sender: `0x${string}`;
  pay: (challenge: LotteryChallenge) => Promise<PaymentMessage>;
  /** The agent's ceiling per request, wei. */
  maxPrice: bigint;
  prompts: readonly string[];
}): Promise<AgentReport> {
  const report: AgentReport = {
    requests: 0,
    payments: 0,
    tickets: 0,
    charged: 0n,
    balance: 0n,
    tokens: 0,
    winners: 0,
  };
  const paidFetch = wrapFetchWithLottery(fetch, {
    sender: args.sender,
    maxPrice: args.maxPrice,
    pay: async (challenge) => {
      const payment = await args.pay(challenge);
      report.payments += 1;
      report.tickets += payment.tickets.length;
      return payment;
    },
    onSettlement: (settlement) => {
      if (!settlement.success) return;
      report.charged += BigInt(settlement.charged);
      report.balance = BigInt(settlement.balance);
      report.winners += settlement.winners;
    },
  });
  const models = await paidFetch(`${args.baseUrl}/v1/models`);
  if (!models.ok) throw new Error(`GET /v1/models answered ${models.status}`);
  report.requests += 1;
  for (const prompt of args.prompts) {
    const response = await paidFetch(`${args.baseUrl}/v1/complete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt, maxTokens: 64 }),
    });
    if (!response.ok) throw new Error(`POST /v1/complete answered ${response.status}`);
    const body = (await response.json()) as { tokens: number };
    report.requests += 1;
    report.tokens += body.tokens;
  }
  return report;
}
