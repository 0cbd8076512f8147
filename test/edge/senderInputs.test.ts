/**
 * The sender's edges: addresses that become file paths, and what `TicketSender.pay` signs for.
 * Nothing from outside (the recipient names itself in its params) may become a path or a
 * signed ticket without being checked first.
 */
import { expect } from "chai";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { TicketBrokerError } from "../../src/errors.js";
import { InvalidInputError } from "../../src/ticket/inputs.js";
import { Rational } from "../../src/math/rational.js";
import { InvalidPaymentAmountError } from "../../src/sender/errors.js";
import { FileNonceStore } from "../../src/sender/fileNonceStore.js";
import { NonceAllocator } from "../../src/sender/nonceAllocator.js";
import type { NonceStore } from "../../src/sender/nonceStore.js";
import { MemoryNonceStore } from "../../src/sender/nonceStore.js";
import { TicketSender } from "../../src/sender/ticketSender.js";
import type { TicketParams } from "../../src/ticket/ticketParams.js";
import { FakeReader, domain, hasher, makeParams, senderSigner } from "../support/flowFixtures.js";
import { rejects } from "../support/rejects.js";

const sender = "0x1111111111111111111111111111111111111111" as const;
const recipient = "0x2222222222222222222222222222222222222222" as const;
const workId = `0x${"00".repeat(32)}` as const;

/** Every path under `root`, relative, sorted. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.map((e) => e.split(path.sep).join("/")).sort();
}

function expectTyped(err: unknown, cls: new (...args: never[]) => TicketBrokerError): void {
  expect(err).to.be.instanceOf(cls);
  expect((err as TicketBrokerError).hint)
    .to.be.a("string")
    .and.not.equal("");
}

describe("edge: FileNonceStore builds paths only from checked addresses", function () {
  let root: string;
  beforeEach(async function () {
    root = await mkdtemp(path.join(tmpdir(), "nonce-edge-"));
  });
  afterEach(async function () {
    await rm(root, { recursive: true, force: true });
  });

  for (const [name, bad] of [
    ["a traversal", "0x/../../x"],
    ["a traversal of address length", `0x${"/..".repeat(13)}/`],
    ["an absolute path", "/etc/passwd"],
    ["a short address", "0x1234"],
    ["a non-hex address", `0x${"zz".repeat(20)}`],
    ["a bad checksum", "0x5FbDB2315678afecb367f032d93F642f64180aA3"],
    ["a number", 42],
    ["undefined", undefined],
  ] as const) {
    it(`refuses ${name} as recipient and creates no file outside its directory`, async function () {
      const directory = path.join(root, "store", "nonces");
      const store = new FileNonceStore({ directory });
      const err = await rejects(
        store.reserve({ sender, recipient: bad as unknown as `0x${string}` }),
      );
      expectTyped(err, InvalidInputError);
      expect((err as InvalidInputError).details["field"]).to.equal("recipient");
      // Nothing at all was created: not the store, not a sibling of it.
      expect(await tree(root)).to.deep.equal([]);
    });
  }

  it("refuses a traversal as sender too", async function () {
    const store = new FileNonceStore({ directory: path.join(root, "nonces") });
    const err = await rejects(store.reserve({ sender: "0x/../../x" as `0x${string}`, recipient }));
    expectTyped(err, InvalidInputError);
    expect(await tree(root)).to.deep.equal([]);
  });

  it("keys a checksummed and a lowercase address to the same pair directory", async function () {
    const directory = path.join(root, "nonces");
    const store = new FileNonceStore({ directory, blockSize: 10n });
    const checksummed = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
    const first = await store.reserve({ sender, recipient: checksummed });
    const second = await store.reserve({
      sender,
      recipient: checksummed.toLowerCase() as `0x${string}`,
    });
    expect([first.first, second.first]).to.deep.equal([1n, 11n]);
    expect(await readdir(directory)).to.deep.equal([`${sender}-${checksummed.toLowerCase()}`]);
  });

  it("refuses a directory or block size of the wrong type with a typed error", function () {
    expect(() => new FileNonceStore({ directory: 7 as unknown as string })).to.throw(
      TicketBrokerError,
    );
    expect(() => new FileNonceStore({ directory: "" })).to.throw(TicketBrokerError);
    expect(
      () => new FileNonceStore({ directory: root, blockSize: 10 as unknown as bigint }),
    ).to.throw(InvalidInputError);
  });
});

describe("edge: TicketSender.pay signs only positive amounts on complete params", function () {
  /** A store that counts reservations, to prove a refused payment takes no nonce. */
  class CountingStore implements NonceStore {
    readonly inner = new MemoryNonceStore();
    calls = 0;
    reserve(args: Parameters<NonceStore["reserve"]>[0]): ReturnType<NonceStore["reserve"]> {
      this.calls++;
      return this.inner.reserve(args);
    }
  }

  function gateway(store: NonceStore = new MemoryNonceStore()): TicketSender {
    return new TicketSender({
      sender: senderSigner.address,
      signer: senderSigner,
      hasher,
      domain,
      reader: new FakeReader(),
      nonces: new NonceAllocator({ store }),
    });
  }

  const params = makeParams({ faceValue: 2n * 10n ** 12n, winProb: 1n << 255n });

  for (const [name, amount] of [
    ["zero", 0n],
    ["minus one wei", -1n],
    ["a negative Rational", Rational.of(-1n, 2n)],
    ["a zero Rational", Rational.ZERO],
    ["a number", 5],
    ["a decimal string", "5"],
    ["undefined", undefined],
    ["null", null],
    ["a plain object shaped like a Rational", { num: 1n, den: 1n }],
  ] as const) {
    it(`refuses an amount of ${name} with InvalidPaymentAmountError and takes no nonce`, async function () {
      const store = new CountingStore();
      const err = await rejects(
        gateway(store).pay({ params, amount: amount as unknown as bigint, workId }),
      );
      expectTyped(err, InvalidPaymentAmountError);
      expect(store.calls).to.equal(0);
    });
  }

  it("pays the smallest positive amounts: 1 wei and 1/2 wei", async function () {
    const a = await gateway().pay({ params, amount: 1n, workId });
    expect(a.tickets).to.have.length(1);
    const b = await gateway().pay({ params, amount: Rational.of(1n, 2n), workId });
    expect(b.tickets).to.have.length(1);
  });

  const without = (field: keyof TicketParams): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...params };
    delete copy[field];
    return copy;
  };

  for (const [name, bad, field] of [
    ["without expirationTime", without("expirationTime"), "params.expirationTime"],
    ["without ticketExpiry", without("ticketExpiry"), "params.ticketExpiry"],
    [
      "with expirationTime as a number",
      { ...params, expirationTime: Number(params.expirationTime) },
      "params.expirationTime",
    ],
    [
      "with ticketExpiry as a string",
      { ...params, ticketExpiry: String(params.ticketExpiry) },
      "params.ticketExpiry",
    ],
    ["without recipient", without("recipient"), "params.recipient"],
    ["with a traversal as recipient", { ...params, recipient: "0x/../../x" }, "params.recipient"],
    ["with a short seed", { ...params, seed: "0x00" }, "params.seed"],
  ] as const) {
    it(`refuses params ${name} with InvalidInputError naming ${field}`, async function () {
      const store = new CountingStore();
      const err = await rejects(
        gateway(store).pay({ params: bad as unknown as TicketParams, amount: 1n, workId }),
      );
      expectTyped(err, InvalidInputError);
      expect((err as InvalidInputError).details["field"]).to.equal(field);
      expect(store.calls).to.equal(0);
    });
  }

  it("refuses a workId that is not 32 bytes of hex", async function () {
    const err = await rejects(
      gateway().pay({ params, amount: 1n, workId: "0x1234" as `0x${string}` }),
    );
    expectTyped(err, InvalidInputError);
  });

  it("refuses a malformed sender, domain or limit in the constructor", function () {
    const base = {
      sender: senderSigner.address,
      signer: senderSigner,
      hasher,
      domain,
      reader: new FakeReader(),
      nonces: new NonceAllocator({ store: new MemoryNonceStore() }),
    };
    const cases: Record<string, unknown>[] = [
      { ...base, sender: "gateway.eth" },
      { ...base, domain: { ...domain, verifyingContract: "broker.eth" } },
      { ...base, domain: { ...domain, chainId: 421614 } },
      { ...base, reader: {} },
      { ...base, limits: { maxTicketEV: 10 } },
      { ...base, limits: { depositMultiplier: 0n } },
    ];
    for (const options of cases) {
      expect(
        () => new TicketSender(options as unknown as ConstructorParameters<typeof TicketSender>[0]),
      ).to.throw(InvalidInputError);
    }
  });
});
