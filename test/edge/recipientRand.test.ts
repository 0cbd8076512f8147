/**
 * deriveRecipientRand is exactly its documented layout: HMAC-SHA256 over tag ‖ the fields at
 * their fixed widths, and nothing more. The expected values are recomputed here with
 * node:crypto from the layout alone, and pinned in test/vectors/recipientRand.json.
 */
import { expect } from "chai";
import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";

import { deriveRecipientRand } from "../../src/recipient/recipientRand.js";
import type { RecipientRandInput } from "../../src/recipient/recipientRand.js";

interface Vector {
  name: string;
  secret: `0x${string}`;
  params: Record<string, string>;
  messageLength: number;
  message: `0x${string}`;
  recipientRand: string;
}

const file = JSON.parse(
  await readFile(new URL("../vectors/recipientRand.json", import.meta.url), "utf8"),
) as { tag: string; vectors: Vector[] };

const hexBytes = (x: string): Buffer => Buffer.from(x.slice(2), "hex");
const word = (x: string): Buffer => Buffer.from(BigInt(x).toString(16).padStart(64, "0"), "hex");

/** The documented layout, written out independently of the library. */
function documentedMessage(p: Record<string, string>): Buffer {
  return Buffer.concat([
    Buffer.from("TicketBroker.recipientRand.v1", "ascii"),
    hexBytes(p["seed"] as string),
    hexBytes(p["recipient"] as string),
    hexBytes(p["sender"] as string),
    word(p["faceValue"] as string),
    word(p["winProb"] as string),
    word(p["expirationTime"] as string),
    word(p["ticketExpiry"] as string),
    word(p["chainId"] as string),
    hexBytes(p["verifyingContract"] as string),
  ]);
}

function toInput(p: Record<string, string>): RecipientRandInput {
  return {
    seed: p["seed"] as `0x${string}`,
    recipient: p["recipient"] as `0x${string}`,
    sender: p["sender"] as `0x${string}`,
    faceValue: BigInt(p["faceValue"] as string),
    winProb: BigInt(p["winProb"] as string),
    expirationTime: BigInt(p["expirationTime"] as string),
    ticketExpiry: BigInt(p["ticketExpiry"] as string),
    chainId: BigInt(p["chainId"] as string),
    verifyingContract: p["verifyingContract"] as `0x${string}`,
  };
}

describe("edge: deriveRecipientRand follows its documented layout", function () {
  it("the vector file holds at least two vectors", function () {
    expect(file.tag).to.equal("TicketBroker.recipientRand.v1");
    expect(file.vectors.length).to.be.at.least(2);
  });

  for (const v of file.vectors) {
    it(`${v.name}: the documented 281-byte message and its HMAC match the library`, function () {
      const message = documentedMessage(v.params);
      expect(message.length).to.equal(281);
      expect(message.length).to.equal(v.messageLength);
      expect(`0x${message.toString("hex")}`).to.equal(v.message);
      const mac = createHmac("sha256", hexBytes(v.secret)).update(message).digest("hex");
      expect(BigInt(`0x${mac}`).toString()).to.equal(v.recipientRand);
      const derived = deriveRecipientRand({
        secret: Uint8Array.from(hexBytes(v.secret)),
        params: toInput(v.params),
      });
      expect(derived.toString()).to.equal(v.recipientRand);
    });

    it(`${v.name}: 32 trailing zero bytes give another value (the layout has no padding)`, function () {
      const padded = Buffer.concat([documentedMessage(v.params), Buffer.alloc(32)]);
      const mac = createHmac("sha256", hexBytes(v.secret)).update(padded).digest("hex");
      const derived = deriveRecipientRand({
        secret: Uint8Array.from(hexBytes(v.secret)),
        params: toInput(v.params),
      });
      expect(derived).to.not.equal(BigInt(`0x${mac}`));
    });
  }
});
