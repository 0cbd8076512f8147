/**
 * The crypto core against the contract and three independent EIP-712 implementations: the type
 * hash, the domain, digests and signatures (RFC 6979, so byte-identical), the win draw and the
 * signature rules of the validator.
 */
import {
  SignTypedDataVersion,
  TypedDataUtils,
  signTypedData,
  type MessageTypes,
  type TypedMessage,
} from "@metamask/eth-sig-util";
import { expect } from "chai";
import { TypedDataEncoder, Wallet, computeAddress } from "ethers";
import fc from "fast-check";
import { hashTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  EthersTicketSigner,
  InvalidTicketFieldError,
  RawKeyTicketSigner,
  TICKET_DOMAIN_NAME,
  TICKET_DOMAIN_VERSION,
  TICKET_EIP712_TYPES,
  TICKET_PRIMARY_TYPE,
  TICKET_TYPEHASH,
  TICKET_TYPE_STRING,
  BROKER_ERROR_SIGNATURES,
  TicketBrokerContractError,
  TicketBrokerInsufficientFunds,
  TicketBrokerInvalidSignature,
  TicketBrokerUnknownRevert,
  TicketHasher,
  decodeBrokerError,
  isWinningTicket,
  readTicketDomain,
  recipientRandHash,
  recoverTicketSigner,
  ticketDigest,
  type Ticket,
  type TicketDomain,
} from "../../src/index.js";
import {
  MAX_UINT256,
  arbPrivateKey,
  arbTicket,
  arbUint256,
  asStruct,
  deployBroker,
} from "../support/cryptoFixture.js";

const RUNS = 1000;
const ETHERS_TYPES = { Ticket: TICKET_EIP712_TYPES.Ticket.map((f) => ({ ...f })) };
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const arbDomain: fc.Arbitrary<TicketDomain> = fc.record({
  name: fc.constant(TICKET_DOMAIN_NAME),
  version: fc.constant(TICKET_DOMAIN_VERSION),
  chainId: fc.oneof(
    fc.constantFrom(1n, 31337n, 42161n, 421614n),
    fc.bigInt({ min: 1n, max: MAX_UINT256 }),
  ),
  verifyingContract: fc
    .uint8Array({ minLength: 20, maxLength: 20 })
    .map((b) => `0x${Buffer.from(b).toString("hex")}` as `0x${string}`),
});

/** eth-sig-util's typed data; its domain type says number, but it encodes decimal strings too. */
function sigUtilData(domain: TicketDomain, t: Ticket): TypedMessage<MessageTypes> {
  const data = {
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
      Ticket: ETHERS_TYPES.Ticket,
    },
    primaryType: TICKET_PRIMARY_TYPE,
    domain: { ...domain, chainId: domain.chainId.toString() },
    message: {
      ...t,
      faceValue: t.faceValue.toString(),
      winProb: t.winProb.toString(),
      senderNonce: t.senderNonce.toString(),
      expiry: t.expiry.toString(),
    },
  };
  return data as unknown as TypedMessage<MessageTypes>;
}

describe("ticket crypto core", function () {
  describe("one encoding, checked from both sides", function () {
    it("TICKET_TYPEHASH equals TicketLib.TICKET_TYPEHASH", async function () {
      const { ethers } = await deployBroker();
      const harness = await ethers.deployContract("TicketLibHarness");
      expect(await harness.ticketTypehash()).to.equal(TICKET_TYPEHASH);
      expect(TypedDataEncoder.from(ETHERS_TYPES).encodeType("Ticket")).to.equal(TICKET_TYPE_STRING);
    });

    it("reads the domain from eip712Domain() and matches the broker's digests", async function () {
      const { broker } = await deployBroker(421614);
      const domain = await readTicketDomain(broker);
      expect(domain).to.deep.equal({
        name: "TicketBroker",
        version: "1",
        chainId: 421614n,
        verifyingContract: await broker.getAddress(),
      });
      const hasher = new TicketHasher(domain);
      const samples = fc.sample(arbTicket, { numRuns: 20, seed: 7 });
      for (const t of samples) {
        expect(hasher.digestHex(t)).to.equal(await broker.getTicketDigest(asStruct(t)));
      }
    });

    it("refuses a domain that is not a TicketBroker's", async function () {
      const fake = {
        eip712Domain: async () => ["0x0f", "Other", "1", 1n, `0x${"11".repeat(20)}`, "0x", []],
      };
      await readTicketDomain(fake).then(
        () => expect.fail("accepted a foreign domain"),
        (err: unknown) => expect(err).to.be.instanceOf(InvalidTicketFieldError),
      );
    });
  });

  describe("agrees with ethers, viem and eth-sig-util", function () {
    it(`digests agree for random tickets and domains (${RUNS} runs)`, function () {
      fc.assert(
        fc.property(arbTicket, arbDomain, (t, domain) => {
          const ours = new TicketHasher(domain).digestHex(t);
          expect(ours).to.equal(TypedDataEncoder.hash(domain, ETHERS_TYPES, t));
          expect(ours).to.equal(
            hashTypedData({
              domain,
              types: TICKET_EIP712_TYPES,
              primaryType: TICKET_PRIMARY_TYPE,
              message: t,
            }),
          );
          const sigUtil = TypedDataUtils.eip712Hash(
            sigUtilData(domain, t),
            SignTypedDataVersion.V4,
          );
          expect(ours).to.equal(`0x${Buffer.from(sigUtil).toString("hex")}`);
          expect(ticketDigest(t, domain)).to.equal(ours);
        }),
        { numRuns: RUNS },
      );
    });

    it(`signatures are byte-identical and recover to the key's address (${RUNS} runs)`, async function () {
      await fc.assert(
        fc.asyncProperty(arbTicket, arbDomain, arbPrivateKey, async (t, domain, key) => {
          const hasher = new TicketHasher(domain);
          const signer = new RawKeyTicketSigner(key);
          const ours = await signer.signTicket(t, hasher);
          expect(signer.address).to.equal(computeAddress(key));
          expect(ours).to.equal(await new Wallet(key).signTypedData(domain, ETHERS_TYPES, t));
          expect(ours).to.equal(
            await privateKeyToAccount(key).signTypedData({
              domain,
              types: TICKET_EIP712_TYPES,
              primaryType: TICKET_PRIMARY_TYPE,
              message: t,
            }),
          );
          expect(ours).to.equal(
            signTypedData({
              privateKey: Buffer.from(key.slice(2), "hex"),
              data: sigUtilData(domain, t),
              version: SignTypedDataVersion.V4,
            }),
          );
          expect(recoverTicketSigner(hasher.digest(t), ours)).to.equal(signer.address);
        }),
        { numRuns: RUNS },
      );
    });

    it("the pure-JS fallback signs the same bytes as native libsecp256k1", function () {
      fc.assert(
        fc.property(arbTicket, arbPrivateKey, (t, key) => {
          const hasher = new TicketHasher({
            name: "TicketBroker",
            version: "1",
            chainId: 421614n,
            verifyingContract: `0x${"ab".repeat(20)}`,
          });
          const native = new RawKeyTicketSigner(key);
          const noble = new RawKeyTicketSigner(key, { backend: "noble" });
          expect(noble.backend).to.equal("noble");
          expect(noble.address).to.equal(native.address);
          expect(noble.signTicketSync(t, hasher)).to.equal(native.signTicketSync(t, hasher));
        }),
        { numRuns: 200 },
      );
    });

    it("EthersTicketSigner signs what RawKeyTicketSigner signs", async function () {
      const key = `0x${"42".repeat(32)}` as const;
      const hasher = new TicketHasher({
        name: "TicketBroker",
        version: "1",
        chainId: 1n,
        verifyingContract: `0x${"01".repeat(20)}`,
      });
      const viaEthers = await EthersTicketSigner.create(new Wallet(key));
      for (const t of fc.sample(arbTicket, { numRuns: 10, seed: 3 })) {
        expect(await viaEthers.signTicket(t, hasher)).to.equal(
          await new RawKeyTicketSigner(key).signTicket(t, hasher),
        );
      }
    });
  });

  describe("malformed input", function () {
    const hasher = new TicketHasher({
      name: "TicketBroker",
      version: "1",
      chainId: 1n,
      verifyingContract: `0x${"01".repeat(20)}`,
    });
    const base = fc.sample(arbTicket, { numRuns: 1, seed: 1 })[0] as Ticket;
    const bad: Array<[keyof Ticket, unknown]> = [
      ["recipient", "0x1234"],
      ["sender", `0x${"zz".repeat(20)}`],
      ["faceValue", -1n],
      ["winProb", 1n << 256n],
      ["senderNonce", 5],
      ["recipientRandHash", `0x${"ab".repeat(31)}`],
      ["expiry", "1"],
      ["workId", `0x${"gg".repeat(32)}`],
    ];
    for (const [field, value] of bad) {
      it(`refuses ${field} = ${String(value)} with InvalidTicketFieldError`, function () {
        const t = { ...base, [field]: value } as Ticket;
        expect(() => hasher.digest(t)).to.throw(InvalidTicketFieldError, field);
        // A rejected field must not leave stale bytes behind for the next ticket.
        expect(hasher.digestHex(base)).to.equal(
          TypedDataEncoder.hash(hasher.domain, ETHERS_TYPES, base),
        );
      });
    }
    for (const field of ["recipient", "sender"] as const) {
      it(`refuses a missing ${field} after a refused one (the cache holds nothing to match)`, function () {
        expect(() => hasher.digest({ ...base, [field]: "0x1234" } as Ticket)).to.throw(
          InvalidTicketFieldError,
        );
        const missing: Record<string, unknown> = { ...base };
        delete missing[field];
        expect(() => hasher.digest(missing as unknown as Ticket)).to.throw(
          InvalidTicketFieldError,
          field,
        );
      });
    }
  });

  describe("win draw", function () {
    it(`matches TicketLib.isWinning and randHash (${RUNS} runs)`, async function () {
      const { ethers } = await deployBroker();
      const harness = await ethers.deployContract("TicketLibHarness");
      const arbDigest = fc
        .uint8Array({ minLength: 32, maxLength: 32 })
        .map((b) => `0x${Buffer.from(b).toString("hex")}` as `0x${string}`);
      await fc.assert(
        fc.asyncProperty(arbDigest, arbUint256, arbUint256, async (digest, rand, winProb) => {
          expect(isWinningTicket(digest, rand, winProb)).to.equal(
            await harness.isWinning(digest, rand, winProb),
          );
          expect(recipientRandHash(rand)).to.equal(await harness.randHash(rand));
        }),
        { numRuns: RUNS },
      );
    });

    it("winProb 0 never wins and 2^256 − 1 wins unless the draw is 2^256 − 1", function () {
      const digest = new Uint8Array(32).fill(9);
      for (let rand = 0n; rand < 50n; rand++) {
        expect(isWinningTicket(digest, rand, 0n)).to.equal(false);
        expect(isWinningTicket(digest, rand, MAX_UINT256)).to.equal(true);
      }
    });
  });

  describe("recoverTicketSigner accepts exactly what the contract accepts", function () {
    const key = `0x${"07".repeat(32)}` as const;
    const signer = new RawKeyTicketSigner(key);
    const digest = new Uint8Array(32).fill(0x5a);
    const good = Buffer.from(signer.signDigest(digest));

    function variant(edit: (b: Buffer) => Buffer): Buffer {
      return edit(Buffer.from(good));
    }
    const expectInvalid = (sig: Uint8Array) =>
      expect(() => recoverTicketSigner(digest, sig)).to.throw(TicketBrokerInvalidSignature);

    it("accepts the canonical signature", function () {
      expect(recoverTicketSigner(digest, good)).to.equal(signer.address);
    });

    it("refuses a high-s twin, v 0/1, other v, 64 and 66 bytes, zero r or s", function () {
      const s = BigInt(`0x${good.subarray(32, 64).toString("hex")}`);
      expectInvalid(
        variant((b) => {
          Buffer.from((SECP256K1_N - s).toString(16).padStart(64, "0"), "hex").copy(b, 32);
          b[64] = b[64] === 27 ? 28 : 27;
          return b;
        }),
      );
      expectInvalid(variant((b) => ((b[64] = (b[64] as number) - 27), b)));
      expectInvalid(variant((b) => ((b[64] = 29), b)));
      expectInvalid(good.subarray(0, 64));
      expectInvalid(Buffer.concat([good, Buffer.from([0])]));
      expectInvalid(variant((b) => b.fill(0, 0, 32)));
      expectInvalid(variant((b) => b.fill(0, 32, 64)));
      expectInvalid(variant((b) => b.fill(0xff, 0, 32)));
    });
  });

  describe("decodeBrokerError", function () {
    it("decodes a real revert into the same-named class with named details", async function () {
      const { broker, recipient, sender } = await deployBroker();
      const domain = await readTicketDomain(broker);
      const hasher = new TicketHasher(domain);
      const rand = 77n;
      const t: Ticket = {
        recipient: recipient.address as `0x${string}`,
        sender: sender.address as `0x${string}`,
        faceValue: 10n ** 18n,
        winProb: MAX_UINT256,
        senderNonce: 1n,
        recipientRandHash: recipientRandHash(rand),
        expiry: 4_000_000_000n,
        workId: `0x${"00".repeat(32)}`,
      };
      const signature = await (await EthersTicketSigner.create(sender)).signTicket(t, hasher);
      const err = await broker
        .connect(recipient)
        .redeemWinningTicket.staticCall(asStruct(t), signature, rand)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      const decoded = decodeBrokerError(err);
      expect(decoded).to.be.instanceOf(TicketBrokerInsufficientFunds);
      expect(decoded.details).to.deep.equal({
        sender: sender.address,
        available: 0n,
        needed: 10n ** 18n,
      });
      expect(decoded.hint).to.not.equal("");
    });

    it("has a class for every custom error in the TicketBroker ABI, and no other", async function () {
      const { ethers } = await deployBroker();
      const factory = await ethers.getContractFactory("TicketBroker");
      const fromAbi: string[] = [];
      factory.interface.forEachError((e) => fromAbi.push(e.format("sighash")));
      const ours = BROKER_ERROR_SIGNATURES.map((sig) =>
        sig.replace(/ [a-zA-Z]+(?=[,)])/g, "").replace(/, /g, ","),
      );
      // Every custom error of the compiled contract, OpenZeppelin's inherited ones included.
      expect([...ours].sort()).to.deep.equal([...fromAbi].sort());
      for (const sig of BROKER_ERROR_SIGNATURES) {
        const name = sig.slice(0, sig.indexOf("("));
        const selector = factory.interface.getError(name)?.selector;
        expect(selector, name).to.be.a("string");
        const args = factory.interface
          .getError(name)
          ?.inputs.map((input) =>
            input.type === "address"
              ? `0x${"12".repeat(20)}`
              : input.type === "bytes32"
                ? `0x${"34".repeat(32)}`
                : input.type === "string"
                  ? "a string"
                  : 5n,
          );
        const data = factory.interface.encodeErrorResult(name, args ?? []);
        const decoded = decodeBrokerError(data);
        expect(decoded.name, name).to.equal(name);
        expect(decoded).to.be.instanceOf(TicketBrokerContractError);
        expect(decoded.hint, name).to.not.equal("");
      }
    });

    it("turns unknown data into TicketBrokerUnknownRevert", function () {
      expect(decodeBrokerError("0xdeadbeef")).to.be.instanceOf(TicketBrokerUnknownRevert);
      expect(decodeBrokerError(new Error("boom"))).to.be.instanceOf(TicketBrokerUnknownRevert);
    });
  });
});
