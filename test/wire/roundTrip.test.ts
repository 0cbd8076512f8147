/**
 * Round trips of every wire message: decode(encode(x)) deep-equals x for any value in range, the
 * encoded value survives JSON text, and decoding accepts the non-canonical input forms
 * (lowercase addresses, uppercase hex) while encoding always writes the canonical ones.
 */
import { expect } from "chai";
import fc from "fast-check";

import { TicketBrokerError } from "../../src/errors.js";
import {
  WireDecodeError,
  WireEncodeError,
  decodePayment,
  decodeSignedTicket,
  decodeTicketParams,
  decodeWinner,
  encodePayment,
  encodeSignedTicket,
  encodeTicketParams,
  encodeWinner,
} from "../../src/wire/index.js";
import {
  SAMPLE_PARAMS,
  SAMPLE_PAYMENT,
  SAMPLE_SIGNED,
  SAMPLE_WINNER,
  payment,
  signedTicket,
  ticketParams,
  winner,
} from "./arbitraries.js";

const RUNS = 300;

/** Through JSON text, as it travels. */
const viaText = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe("wire format round trips", function () {
  const cases = [
    { name: "TicketParams", arb: ticketParams, enc: encodeTicketParams, dec: decodeTicketParams },
    { name: "SignedTicket", arb: signedTicket, enc: encodeSignedTicket, dec: decodeSignedTicket },
    { name: "Payment", arb: payment, enc: encodePayment, dec: decodePayment },
    { name: "Winner", arb: winner, enc: encodeWinner, dec: decodeWinner },
  ] as const;

  for (const c of cases) {
    it(`${c.name}: decode(JSON(encode(x))) deep-equals x, and encode(decode(json)) is json`, function () {
      fc.assert(
        fc.property(c.arb as fc.Arbitrary<never>, (x) => {
          const json = (c.enc as (v: unknown) => unknown)(x);
          const text = JSON.stringify(json);
          expect(text).to.be.a("string");
          const back = (c.dec as (v: unknown) => unknown)(JSON.parse(text));
          expect(back).to.deep.equal(x);
          expect((c.enc as (v: unknown) => unknown)(back)).to.deep.equal(json);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("writes version 1, decimal strings, lowercase hex and checksummed addresses", function () {
    const json = encodePayment({
      ...SAMPLE_PAYMENT,
      sender: SAMPLE_PAYMENT.sender.toLowerCase() as `0x${string}`,
      tickets: [
        {
          ...SAMPLE_SIGNED,
          signature: SAMPLE_SIGNED.signature.toUpperCase().replace("0X", "0x") as `0x${string}`,
        },
      ],
    });
    expect(json.version).to.equal(1);
    expect(json.sender).to.equal("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    expect(json.params.faceValue).to.equal("1000000000000000");
    expect(json.params.chainId).to.equal("421614");
    expect(json.tickets[0]?.signature).to.equal(SAMPLE_SIGNED.signature);
    expect(json.tickets[0]?.ticket.senderNonce).to.equal("7");
    expect(json).to.not.have.property("delegate");
  });

  it("reads lowercase addresses and uppercase hex, and returns the canonical forms", function () {
    const json = viaText(encodeTicketParams(SAMPLE_PARAMS)) as Record<string, string>;
    const lowered = {
      ...json,
      sender: json.sender!.toLowerCase(),
      recipient: json.recipient!.toLowerCase(),
      seed: `0x${json.seed!.slice(2).toUpperCase()}`,
    };
    expect(decodeTicketParams(lowered)).to.deep.equal(SAMPLE_PARAMS);
  });

  it("keeps the delegate of a payment when there is one", function () {
    const delegate = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
    const back = decodePayment(viaText(encodePayment({ ...SAMPLE_PAYMENT, delegate })));
    expect(back.delegate).to.equal(delegate);
    expect(decodePayment(viaText(encodePayment(SAMPLE_PAYMENT)))).to.not.have.property("delegate");
  });

  it("a Winner carries the rand and deadline as decimal strings", function () {
    const json = encodeWinner(SAMPLE_WINNER);
    expect(json.recipientRand).to.equal("123456789");
    expect(json.paramsDeadline).to.equal("1000300");
  });

  it("decoding any JSON value throws nothing but WireDecodeError", function () {
    const decoders = [decodeTicketParams, decodeSignedTicket, decodePayment, decodeWinner];
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...decoders), (value, decode) => {
        try {
          decode(value);
          expect.fail("decoded an arbitrary JSON value");
        } catch (err) {
          expect(err).to.be.instanceOf(WireDecodeError);
          expect((err as WireDecodeError).details.field).to.be.a("string");
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("encoding values of the wrong type throws nothing but WireEncodeError", function () {
    const encoders = [encodeTicketParams, encodeSignedTicket, encodePayment, encodeWinner] as ((
      v: unknown,
    ) => unknown)[];
    fc.assert(
      fc.property(fc.anything(), fc.constantFrom(...encoders), (value, encode) => {
        try {
          encode(value);
          expect.fail("encoded an arbitrary value");
        } catch (err) {
          expect(err).to.be.instanceOf(WireEncodeError);
          expect(err).to.be.instanceOf(TicketBrokerError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("wire format: one broken field anywhere", function () {
  /** Every leaf pointer of a JSON value, except `version`s. */
  function leaves(value: unknown, at = ""): string[] {
    if (typeof value !== "object" || value === null) return [at];
    return Object.entries(value).flatMap(([k, v]) =>
      k === "version" ? [] : leaves(v, `${at}/${k}`),
    );
  }
  function breakAt(json: unknown, pointer: string, bad: unknown): unknown {
    const copy = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
    const keys = pointer.slice(1).split("/");
    const last = keys.pop()!;
    let node = copy;
    for (const k of keys) node = node[k] as Record<string, unknown>;
    node[last] = bad;
    return copy;
  }
  // Invalid for every field kind (decimal, hex, address): never a valid value of any field.
  const invalid = fc.constantFrom<unknown>(null, 7, true, [], {}, "", "0x", "-1", "01", "0xZZ");

  it("is reported at exactly its pointer, in any message", function () {
    const cases = [
      { arb: ticketParams, enc: encodeTicketParams, dec: decodeTicketParams },
      { arb: signedTicket, enc: encodeSignedTicket, dec: decodeSignedTicket },
      { arb: payment, enc: encodePayment, dec: decodePayment },
      { arb: winner, enc: encodeWinner, dec: decodeWinner },
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...cases).chain((c) =>
          (c.arb as fc.Arbitrary<unknown>).chain((x) => {
            const json = (c.enc as (v: unknown) => unknown)(x);
            return fc.tuple(fc.constant(c), fc.constant(json), fc.constantFrom(...leaves(json)));
          }),
        ),
        invalid,
        ([c, json, pointer], bad) => {
          try {
            (c.dec as (v: unknown) => unknown)(breakAt(json, pointer, bad));
          } catch (err) {
            expect(err).to.be.instanceOf(WireDecodeError);
            expect((err as WireDecodeError).details.field).to.equal(pointer);
            return;
          }
          expect.fail(`accepted ${JSON.stringify(bad)} at ${pointer}`);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
