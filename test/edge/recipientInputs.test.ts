/**
 * What reaches the recipient and the chain reader from outside: malformed tickets and params,
 * numbers where bigints belong, malformed addresses, and a node that does not answer. Each
 * must come back as a TicketBrokerError with a hint, never a TypeError or a transport error.
 */
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { createServer } from "node:net";

import { TicketBroker__factory, type TicketBroker } from "../../typechain-types/index.js";
import { ContractBrokerReader } from "../../src/chain/brokerReader.js";
import { TicketBrokerError } from "../../src/errors.js";
import { InvalidInputError } from "../../src/ticket/inputs.js";
import { ChainUnavailableError, wrapRpcError } from "../../src/internal/rpcError.js";
import { InvalidRationalError, Rational } from "../../src/math/rational.js";
import { Recipient } from "../../src/recipient/recipient.js";
import { MemoryWinnerStore } from "../../src/recipient/winnerStore.js";
import { ticketForParams, type TicketParams } from "../../src/ticket/ticketParams.js";
import type { SignedTicket } from "../../src/ticket/ticketTypes.js";
import {
  BROKER,
  FakeReader,
  SECRET,
  fixtureRecipient,
  hasher,
  makeParams,
  recipientAddress,
  senderSigner,
} from "../support/flowFixtures.js";
import { rejects } from "../support/rejects.js";

const policy = { redeemGas: 100_000n, targetEV: 10n ** 12n };

function expectTyped(err: unknown, cls: abstract new (...args: never[]) => TicketBrokerError) {
  expect(err, String(err)).to.be.instanceOf(cls);
  expect((err as TicketBrokerError).hint)
    .to.be.a("string")
    .and.not.equal("");
}

async function signedFor(params: TicketParams, senderNonce = 1n): Promise<SignedTicket> {
  const ticket = ticketForParams({ params, senderNonce, workId: `0x${"00".repeat(32)}` });
  return { ticket, signature: await senderSigner.signTicket(ticket, hasher) };
}

/** A copy of `obj` without `key`. */
function without<T extends object>(obj: T, key: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  delete copy[key];
  return copy;
}

describe("edge: Recipient.receiveTicket refuses malformed input with typed errors", function () {
  it("accepts the well-formed ticket the malformed cases are built from", async function () {
    const params = makeParams();
    const recipient = fixtureRecipient({ reader: new FakeReader(), policy });
    const { ev } = await recipient.receiveTicket({ signed: await signedFor(params), params });
    expect(ev.cmp(0n)).to.equal(1);
  });

  const cases: [string, (p: TicketParams, s: SignedTicket) => unknown, string][] = [
    ["no arguments", () => undefined, "receiveTicket arguments"],
    ["no ticket", (p) => ({ params: p }), "signed"],
    ["no params", (_p, s) => ({ signed: s }), "params"],
    [
      "a ticket without recipient",
      (p, s) => ({ params: p, signed: { ...s, ticket: without(s.ticket, "recipient") } }),
      "signed.ticket.recipient",
    ],
    [
      "a ticket without sender",
      (p, s) => ({ params: p, signed: { ...s, ticket: without(s.ticket, "sender") } }),
      "signed.ticket.sender",
    ],
    [
      "a ticket without recipientRandHash",
      (p, s) => ({ params: p, signed: { ...s, ticket: without(s.ticket, "recipientRandHash") } }),
      "signed.ticket.recipientRandHash",
    ],
    [
      "params without recipient",
      (p, s) => ({ signed: s, params: without(p, "recipient") }),
      "params.recipient",
    ],
    [
      "params without sender",
      (p, s) => ({ signed: s, params: without(p, "sender") }),
      "params.sender",
    ],
    [
      "params without recipientRandHash",
      (p, s) => ({ signed: s, params: without(p, "recipientRandHash") }),
      "params.recipientRandHash",
    ],
    [
      "params without verifyingContract",
      (p, s) => ({ signed: s, params: without(p, "verifyingContract") }),
      "params.verifyingContract",
    ],
    [
      "faceValue as a number",
      (p, s) => ({ signed: { ...s, ticket: { ...s.ticket, faceValue: 1e15 } }, params: p }),
      "signed.ticket.faceValue",
    ],
    [
      "senderNonce as a string",
      (p, s) => ({ signed: { ...s, ticket: { ...s.ticket, senderNonce: "1" } }, params: p }),
      "signed.ticket.senderNonce",
    ],
    [
      "params.expirationTime as a number",
      (p, s) => ({ signed: s, params: { ...p, expirationTime: 1_000_300 } }),
      "params.expirationTime",
    ],
    [
      "params.chainId as a number",
      (p, s) => ({ signed: s, params: { ...p, chainId: 421614 } }),
      "params.chainId",
    ],
    [
      "a negative winProb",
      (p, s) => ({ signed: { ...s, ticket: { ...s.ticket, winProb: -1n } }, params: p }),
      "signed.ticket.winProb",
    ],
    [
      "a faceValue of 2^256",
      (p, s) => ({ signed: { ...s, ticket: { ...s.ticket, faceValue: 1n << 256n } }, params: p }),
      "signed.ticket.faceValue",
    ],
    [
      "a workId that is not hex",
      (p, s) => ({
        signed: { ...s, ticket: { ...s.ticket, workId: `0x${"zz".repeat(32)}` } },
        params: p,
      }),
      "signed.ticket.workId",
    ],
    [
      "a seed of 31 bytes",
      (p, s) => ({ signed: s, params: { ...p, seed: `0x${"ab".repeat(31)}` } }),
      "params.seed",
    ],
    [
      "a signature that is not hex",
      (p, s) => ({ params: p, signed: { ...s, signature: "0xnothex" } }),
      "signed.signature",
    ],
    [
      "a signature as bytes",
      (p, s) => ({ params: p, signed: { ...s, signature: new Uint8Array(65) } }),
      "signed.signature",
    ],
    [
      "an ENS name as verifyingContract",
      (p, s) => ({ signed: s, params: { ...p, verifyingContract: "broker.eth" } }),
      "params.verifyingContract",
    ],
    ["an array as params", (_p, s) => ({ signed: s, params: [] }), "params"],
  ];

  for (const [name, build, field] of cases) {
    it(`${name}: InvalidInputError naming ${field}, and the chain is never read`, async function () {
      const params = makeParams();
      const signed = await signedFor(params);
      const reader = new FakeReader();
      let reads = 0;
      const counting = new Proxy(reader, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target) as unknown;
          if (typeof value !== "function") return value;
          return (...a: unknown[]) => {
            reads++;
            return (value as (...x: unknown[]) => unknown).apply(target, a);
          };
        },
      });
      const recipient = fixtureRecipient({ reader: counting, policy });
      const err = await rejects(
        recipient.receiveTicket(build(params, signed) as Parameters<Recipient["receiveTicket"]>[0]),
      );
      expectTyped(err, InvalidInputError);
      expect((err as InvalidInputError).details["field"]).to.equal(field);
      expect(reads).to.equal(0);
    });
  }

  it("refuses a malformed address, secret or reader in the constructor", function () {
    const base = {
      address: recipientAddress,
      secret: SECRET,
      hasher,
      reader: new FakeReader(),
      winners: new MemoryWinnerStore(),
      policy,
    };
    for (const options of [
      { ...base, address: "orchestrator.eth" },
      { ...base, address: "0x/../../x" },
      { ...base, secret: "0x07" },
      { ...base, secret: new Uint8Array(31) },
      { ...base, reader: undefined },
      undefined,
    ]) {
      expect(
        () => new Recipient(options as unknown as ConstructorParameters<typeof Recipient>[0]),
      ).to.throw(InvalidInputError);
    }
  });
});

describe("edge: Rational refuses inexact inputs", function () {
  for (const [name, value] of [
    ["1", 1],
    ["0.5", 0.5],
    ['"1"', "1"],
    ['"0.41"', "0.41"],
    ["null", null],
    ["undefined", undefined],
    ["{}", {}],
    ["a look-alike { num, den }", { num: 1n, den: 1n }],
    ["[1n]", [1n]],
  ] as const) {
    it(`Rational.from(${name}) throws InvalidRationalError`, function () {
      expect(() => Rational.from(value as unknown as bigint)).to.throw(InvalidRationalError);
      expect(() => Rational.ONE.add(value as unknown as bigint)).to.throw(InvalidRationalError);
      expect(() => Rational.ONE.cmp(value as unknown as bigint)).to.throw(InvalidRationalError);
    });
  }

  it("Rational.of refuses numbers; parseDecimal refuses non-strings", function () {
    expect(() => Rational.of(1 as unknown as bigint)).to.throw(InvalidRationalError);
    expect(() => Rational.of(1n, 2 as unknown as bigint)).to.throw(InvalidRationalError);
    expect(() => Rational.parseDecimal(12 as unknown as string)).to.throw(InvalidRationalError);
    expect(() => Rational.ONE.toDecimalString(1.5)).to.throw(InvalidRationalError);
    // The exact inputs still work.
    expect(Rational.from(3n).equals(Rational.of(6n, 2n))).to.equal(true);
    expect(Rational.ONE.toDecimalString(0)).to.equal("1");
  });
});

describe("edge: ContractBrokerReader", function () {
  /** A broker whose every call is recorded: nothing may reach it with a malformed address. */
  function recordingBroker(): { broker: TicketBroker; calls: string[] } {
    const calls: string[] = [];
    const answer =
      (name: string, value: unknown) =>
      (...args: unknown[]) => {
        calls.push(`${name}(${args.join(",")})`);
        return Promise.resolve(value);
      };
    const broker = {
      getSenderInfo: answer("getSenderInfo", { deposit: 1n, reserve: 0n, unlockEnd: 0n }),
      claimableReserve: answer("claimableReserve", 0n),
      highestRedeemedNonce: answer("highestRedeemedNonce", 0n),
      signerValidUntil: answer("signerValidUntil", 0n),
    } as unknown as TicketBroker;
    return { broker, calls };
  }

  const good = senderSigner.address;
  for (const bad of ["gateway.eth", "0x1234", "", `0x${"g".repeat(40)}`, 7, undefined]) {
    it(`refuses ${JSON.stringify(bad) ?? "undefined"} before it reaches the provider`, async function () {
      const { broker, calls } = recordingBroker();
      const reader = new ContractBrokerReader({ broker });
      const addr = bad as `0x${string}`;
      for (const read of [
        () => reader.senderFunds(addr),
        () => reader.claimableReserve(addr, good),
        () => reader.claimableReserve(good, addr),
        () => reader.highestRedeemedNonce(good, addr),
        () => reader.signerValidUntil(good, addr),
      ]) {
        expectTyped(await rejects(read()), InvalidInputError);
      }
      expect(calls).to.deep.equal([]);
      await reader.senderFunds(good);
      expect(calls).to.have.length(1);
    });
  }

  it("a refused connection (ECONNREFUSED) is a ChainUnavailableError naming the RPC URL as the fix", async function () {
    // A port that was just free: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 9));
      });
    });
    const provider = new JsonRpcProvider(`http://127.0.0.1:${port}`, 421614, {
      staticNetwork: true,
    });
    try {
      const reader = new ContractBrokerReader({
        broker: TicketBroker__factory.connect(BROKER, provider),
      });
      for (const read of [() => reader.now(), () => reader.senderFunds(good)]) {
        const err = await rejects(read());
        expectTyped(err, ChainUnavailableError);
        expect((err as ChainUnavailableError).details["code"]).to.equal("ECONNREFUSED");
        expect((err as ChainUnavailableError).hint).to.match(/RPC URL/);
        expect((err as ChainUnavailableError).cause).to.be.instanceOf(Error);
      }
    } finally {
      provider.destroy();
    }
  });

  it("a provider that throws a plain Error is a ChainUnavailableError that keeps the cause", async function () {
    const boom = new Error("socket hang up");
    const broker = {
      getSenderInfo: () => Promise.reject(boom),
      highestRedeemedNonce: () => Promise.reject(boom),
      runner: { provider: { getBlock: () => Promise.reject(boom) } },
    } as unknown as TicketBroker;
    const reader = new ContractBrokerReader({ broker });
    for (const read of [() => reader.now(), () => reader.senderFunds(good)]) {
      const err = await rejects(read());
      expectTyped(err, ChainUnavailableError);
      expect((err as ChainUnavailableError).cause).to.equal(boom);
      expect((err as ChainUnavailableError).hint).to.match(/RPC URL/);
    }
  });

  it("wrapRpcError passes the library's own errors through unchanged", function () {
    const own = new InvalidInputError("x", { hint: "y" });
    expect(wrapRpcError(own, "anything")).to.equal(own);
    const thrownString = wrapRpcError("a string", "getSenderInfo");
    expect(thrownString).to.be.instanceOf(ChainUnavailableError);
    expect(thrownString.details["reason"]).to.equal("a string");
  });
});
