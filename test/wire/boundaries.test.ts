/**
 * Every field of every message at its boundaries: the largest value accepted and one more
 * refused, malformed strings and wrong JSON types refused, each with a WireDecodeError whose
 * `details.field` is the JSON pointer of exactly that field.
 */
import { expect } from "chai";

import { TicketBrokerError } from "../../src/errors.js";
import {
  WireDecodeError,
  WireEncodeError,
  WireVersionError,
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
  MAX_UINT256,
  MAX_UINT96,
  SAMPLE_PARAMS,
  SAMPLE_PAYMENT,
  SAMPLE_SIGNED,
  SAMPLE_WINNER,
} from "./arbitraries.js";

type Kind = "uint256" | "uint96" | "address" | "bytes32" | "signature";
type Json = Record<string, unknown>;

const PARAMS_FIELDS: [string, Kind][] = [
  ["/recipient", "address"],
  ["/sender", "address"],
  ["/faceValue", "uint256"],
  ["/winProb", "uint256"],
  ["/recipientRandHash", "bytes32"],
  ["/seed", "bytes32"],
  ["/expirationTime", "uint256"],
  ["/ticketExpiry", "uint256"],
  ["/chainId", "uint256"],
  ["/verifyingContract", "address"],
];
const TICKET_FIELDS: [string, Kind][] = [
  ["/recipient", "address"],
  ["/sender", "address"],
  ["/faceValue", "uint256"],
  ["/winProb", "uint256"],
  ["/senderNonce", "uint96"],
  ["/recipientRandHash", "bytes32"],
  ["/expiry", "uint256"],
  ["/workId", "bytes32"],
];
const under = (prefix: string, fields: [string, Kind][]): [string, Kind][] =>
  fields.map(([p, k]) => [`${prefix}${p}`, k]);

const DELEGATE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;

const MESSAGES = [
  {
    name: "TicketParams",
    decode: decodeTicketParams as (x: unknown) => unknown,
    encode: () => encodeTicketParams(SAMPLE_PARAMS) as unknown as Json,
    fields: PARAMS_FIELDS,
    objects: [""],
  },
  {
    name: "SignedTicket",
    decode: decodeSignedTicket as (x: unknown) => unknown,
    encode: () => encodeSignedTicket(SAMPLE_SIGNED) as unknown as Json,
    fields: [...under("/ticket", TICKET_FIELDS), ["/signature", "signature"]] as [string, Kind][],
    objects: ["", "/ticket"],
  },
  {
    name: "Payment",
    decode: decodePayment as (x: unknown) => unknown,
    encode: () => encodePayment({ ...SAMPLE_PAYMENT, delegate: DELEGATE }) as unknown as Json,
    fields: [
      ["/sender", "address"],
      ["/delegate", "address"],
      ...under("/params", PARAMS_FIELDS),
      ...under("/tickets/1/ticket", TICKET_FIELDS),
      ["/tickets/0/signature", "signature"],
    ] as [string, Kind][],
    objects: ["", "/params", "/tickets/0", "/tickets/1/ticket"],
  },
  {
    name: "Winner",
    decode: decodeWinner as (x: unknown) => unknown,
    encode: () => encodeWinner(SAMPLE_WINNER) as unknown as Json,
    fields: [
      ...under("/ticket", TICKET_FIELDS),
      ["/signature", "signature"],
      ["/recipientRand", "uint256"],
      ["/paramsDeadline", "uint256"],
      ["/digest", "bytes32"],
    ] as [string, Kind][],
    objects: ["", "/ticket"],
  },
];

/** A deep copy of `json` with the value at `pointer` replaced (or removed when `value` is REMOVE). */
const REMOVE = Symbol("remove");
function withValue(json: Json, pointer: string, value: unknown): Json {
  const copy = JSON.parse(JSON.stringify(json)) as Json;
  const keys = pointer.slice(1).split("/");
  const last = keys.pop()!;
  let node: Record<string, unknown> = copy;
  for (const k of keys) node = node[k] as Record<string, unknown>;
  if (value === REMOVE) delete node[last];
  else node[last] = value;
  return copy;
}
function valueAt(json: unknown, pointer: string): unknown {
  let node = json as Record<string, unknown>;
  for (const k of pointer.slice(1).split("/")) node = node[k] as Record<string, unknown>;
  return node;
}

function expectRefused(
  decode: (x: unknown) => unknown,
  input: unknown,
  field: string,
  cls: typeof WireDecodeError = WireDecodeError,
): WireDecodeError {
  try {
    decode(input);
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(cls);
    expect(err).to.be.instanceOf(TicketBrokerError);
    const e = err as WireDecodeError;
    expect(e.details.field).to.equal(field);
    expect(e.field).to.equal(field);
    if (field !== "") expect(e.message).to.contain(field);
    expect(e.hint).to.be.a("string").and.not.equal("");
    return e;
  }
  expect.fail(`accepted ${JSON.stringify(input)} (expected a refusal at ${field})`);
}

const TWO_256 = (1n << 256n).toString();
const TWO_96 = (1n << 96n).toString();
/** Refused for every decimal field, whatever its range. */
const BAD_DECIMALS: unknown[] = [
  "-1",
  "01",
  "00",
  "1e3",
  "1.0",
  " 1",
  "1 ",
  "+1",
  "",
  "0x10",
  "١",
  1,
  0,
  null,
  true,
  [],
  {},
];

/** Flips the case of the first letter of an address whose checksum makes the case matter. */
function badChecksum(address: string): string {
  const i = [...address].findIndex((c, j) => j > 1 && /[a-fA-F]/.test(c));
  const c = address[i]!;
  const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  return address.slice(0, i) + flipped + address.slice(i + 1);
}

describe("wire format boundaries", function () {
  for (const m of MESSAGES) {
    describe(m.name, function () {
      const json = m.encode();

      it("decodes the sample", function () {
        expect(() => m.decode(json)).to.not.throw();
      });

      for (const [pointer, kind] of m.fields) {
        if (kind === "uint256" || kind === "uint96") {
          const max = kind === "uint256" ? MAX_UINT256 : MAX_UINT96;
          const over = kind === "uint256" ? TWO_256 : TWO_96;
          it(`${pointer}: accepts 0 and ${kind === "uint256" ? "2^256" : "2^96"} − 1, refuses ${kind === "uint256" ? "2^256" : "2^96"}`, function () {
            for (const ok of [0n, max]) {
              const decoded = m.decode(withValue(json, pointer, ok.toString()));
              expect(valueAt(decoded, pointer)).to.equal(ok);
            }
            const e = expectRefused(m.decode, withValue(json, pointer, over), pointer);
            expect(e.message).to.contain(kind === "uint256" ? "2^256" : "2^96");
            // A longer string of digits is refused by the schema before it is parsed.
            expectRefused(m.decode, withValue(json, pointer, "9".repeat(400)), pointer);
          });
          it(`${pointer}: refuses negative, leading zeros, exponents, spaces and non-strings`, function () {
            for (const bad of BAD_DECIMALS)
              expectRefused(m.decode, withValue(json, pointer, bad), pointer);
          });
        } else if (kind === "address") {
          it(`${pointer}: accepts lowercase, refuses a bad checksum and malformed addresses`, function () {
            const good = valueAt(json, pointer) as string;
            const decoded = m.decode(withValue(json, pointer, good.toLowerCase()));
            expect(valueAt(decoded, pointer)).to.equal(good);
            const e = expectRefused(m.decode, withValue(json, pointer, badChecksum(good)), pointer);
            expect(e.message).to.contain("checksum");
            expect(e.message).to.contain(good);
            for (const bad of [
              good.slice(0, 41),
              `${good}0`,
              good.slice(2),
              `0X${good.slice(2)}`,
              `0x${"g".repeat(40)}`,
              5,
              null,
            ]) {
              expectRefused(m.decode, withValue(json, pointer, bad), pointer);
            }
          });
        } else {
          const bytes = kind === "bytes32" ? 32 : 65;
          it(`${pointer}: accepts ${bytes} bytes in either case, refuses other lengths and odd hex`, function () {
            const good = valueAt(json, pointer) as string;
            const upper = `0x${"AB".repeat(bytes)}`;
            expect(valueAt(m.decode(withValue(json, pointer, upper)), pointer)).to.equal(
              upper.toLowerCase(),
            );
            for (const bad of [
              `0x${"ab".repeat(bytes - 1)}`,
              `0x${"ab".repeat(bytes + 1)}`,
              `0x${"ab".repeat(bytes)}a`,
              `0x${"ab".repeat(bytes - 1)}a`,
              good.slice(2),
              `0x${"zz".repeat(bytes)}`,
              "0x",
              42,
            ]) {
              expectRefused(m.decode, withValue(json, pointer, bad), pointer);
            }
          });
        }
        if (pointer !== "/delegate") {
          it(`${pointer}: refused when missing`, function () {
            const e = expectRefused(m.decode, withValue(json, pointer, REMOVE), pointer);
            expect(e.message).to.contain("missing");
          });
        }
      }

      for (const at of m.objects) {
        it(`${at || "/"}: refuses an unknown property`, function () {
          expectRefused(m.decode, withValue(json, `${at}/extra`, "1"), `${at}/extra`);
        });
      }

      it('refuses version 2, a missing version and the string "1" with WireVersionError', function () {
        for (const v of [2, 0, "1", null]) {
          const e = expectRefused(
            m.decode,
            withValue(json, "/version", v),
            "/version",
            WireVersionError,
          );
          expect(e.details.supported).to.deep.equal([1]);
        }
        expectRefused(m.decode, withValue(json, "/version", REMOVE), "/version", WireVersionError);
      });

      it("refuses a value that is not an object at the root", function () {
        for (const bad of [null, [], "x", 1]) expectRefused(m.decode, bad, "");
      });
    });
  }

  describe("Payment", function () {
    const json = encodePayment(SAMPLE_PAYMENT) as unknown as Json;
    it("refuses a payment without tickets and one with 257", function () {
      expectRefused(decodePayment, withValue(json, "/tickets", []), "/tickets");
      const many = Array.from({ length: 257 }, () => (json.tickets as unknown[])[0]);
      expectRefused(decodePayment, withValue(json, "/tickets", many), "/tickets");
      const most = Array.from({ length: 256 }, () => (json.tickets as unknown[])[0]);
      expect(decodePayment(withValue(json, "/tickets", most)).tickets).to.have.length(256);
    });
    it("refuses another version in embedded params and tickets", function () {
      expectRefused(
        decodePayment,
        withValue(json, "/params/version", 2),
        "/params/version",
        WireVersionError,
      );
      expectRefused(
        decodePayment,
        withValue(json, "/tickets/1/version", 2),
        "/tickets/1/version",
        WireVersionError,
      );
    });
    it("names a ticket missing its signature by index", function () {
      expectRefused(
        decodePayment,
        withValue(json, "/tickets/1/signature", REMOVE),
        "/tickets/1/signature",
      );
    });
    it("escapes an unknown property's name in the pointer", function () {
      expectRefused(decodePayment, { ...json, "a/b~c": 1 }, "/a~1b~0c");
    });
  });

  describe("encoding", function () {
    const cases: [string, () => unknown, string][] = [
      [
        "a negative face value",
        () => encodeTicketParams({ ...SAMPLE_PARAMS, faceValue: -1n }),
        "/faceValue",
      ],
      ["2^256", () => encodeTicketParams({ ...SAMPLE_PARAMS, winProb: 1n << 256n }), "/winProb"],
      [
        "a number for a bigint",
        () => encodeTicketParams({ ...SAMPLE_PARAMS, chainId: 1 as unknown as bigint }),
        "/chainId",
      ],
      [
        "a nonce of 2^96",
        () =>
          encodeSignedTicket({
            ...SAMPLE_SIGNED,
            ticket: { ...SAMPLE_SIGNED.ticket, senderNonce: 1n << 96n },
          }),
        "/ticket/senderNonce",
      ],
      [
        "a 64-byte signature",
        () =>
          encodePayment({
            ...SAMPLE_PAYMENT,
            tickets: [{ ...SAMPLE_SIGNED, signature: `0x${"11".repeat(64)}` }],
          }),
        "/tickets/0/signature",
      ],
      [
        "a bad checksum",
        () =>
          encodePayment({ ...SAMPLE_PAYMENT, delegate: badChecksum(DELEGATE) as `0x${string}` }),
        "/delegate",
      ],
      ["no tickets", () => encodePayment({ ...SAMPLE_PAYMENT, tickets: [] }), "/tickets"],
      [
        "a missing rand",
        () => encodeWinner({ ...SAMPLE_WINNER, recipientRand: undefined as unknown as bigint }),
        "/recipientRand",
      ],
    ];
    for (const [what, run, field] of cases) {
      it(`refuses ${what} with WireEncodeError at ${field}`, function () {
        try {
          run();
        } catch (err) {
          expect(err).to.be.instanceOf(WireEncodeError);
          expect((err as WireEncodeError).details.field).to.equal(field);
          return;
        }
        expect.fail("encoded");
      });
    }
    it("encodes 2^256 − 1 and nonce 2^96 − 1", function () {
      expect(encodeTicketParams({ ...SAMPLE_PARAMS, winProb: MAX_UINT256 }).winProb).to.equal(
        MAX_UINT256.toString(),
      );
      expect(
        encodeSignedTicket({
          ...SAMPLE_SIGNED,
          ticket: { ...SAMPLE_SIGNED.ticket, senderNonce: MAX_UINT96 },
        }).ticket.senderNonce,
      ).to.equal(MAX_UINT96.toString());
    });
  });
});
