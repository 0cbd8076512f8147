/**
 * The broker's error classes come from the generated ABI (src/contract/abi.ts): every custom error in it
 * has a class of the same name with a hint, and the CLI shows that same hint.
 */
import { expect } from "chai";
import { Interface } from "ethers";

import { ticketBrokerAbi } from "../../src/contract/abi.js";
import { ContractRevertError } from "../../src/cli/errors.js";
import { explainTransactionError } from "../../src/cli/revert.js";
import {
  BROKER_ERROR_SIGNATURES,
  TicketBrokerContractError,
  TicketBrokerUnauthorizedSigner,
  TicketBrokerUnknownRevert,
  decodeBrokerError,
  findRevertData,
} from "../../src/contract/contractErrors.js";

const abiErrors = ticketBrokerAbi.filter((item) => item.type === "error");
const iface = new Interface(abiErrors);

function sample(type: string): unknown {
  if (type === "address") return `0x${"12".repeat(20)}`;
  if (type === "bytes32") return `0x${"34".repeat(32)}`;
  if (type === "string") return "a string longer than thirty-one bytes";
  return 5n;
}

describe("contract errors from the ABI", function () {
  it("has one signature per ABI error, with the ABI's parameter names", function () {
    expect(BROKER_ERROR_SIGNATURES).to.have.length(abiErrors.length);
    expect(abiErrors.length).to.equal(28);
    expect(BROKER_ERROR_SIGNATURES).to.include(
      "TicketBrokerInsufficientFunds(address sender, uint256 available, uint256 needed)",
    );
    expect(BROKER_ERROR_SIGNATURES).to.include("ReentrancyGuardReentrantCall()");
  });

  for (const e of abiErrors) {
    it(`decodes ${e.name} to its class, with its arguments and a hint the CLI shows as is`, function () {
      const args = e.inputs.map((i) => sample(i.type));
      const data = iface.encodeErrorResult(e.name, args);
      const decoded = decodeBrokerError(data);
      expect(decoded).to.be.instanceOf(TicketBrokerContractError);
      expect(decoded.constructor.name).to.equal(e.name);
      expect(decoded.code).to.equal(e.name);
      expect(decoded.hint).to.be.a("string").and.not.equal("");
      expect(Object.keys(decoded.details)).to.deep.equal(e.inputs.map((i) => i.name));
      const shown = explainTransactionError({ code: "CALL_EXCEPTION", data });
      expect(shown).to.be.instanceOf(ContractRevertError);
      expect((shown as ContractRevertError).errorName).to.equal(e.name);
      expect((shown as ContractRevertError).hint).to.equal(decoded.hint);
    });
  }

  it("states the delegation rule: a revoked signer counts until its signerValidUntil", function () {
    const hint = new TicketBrokerUnauthorizedSigner({ sender: "0x1", signer: "0x2" }).hint;
    expect(hint).to.contain("signerValidUntil");
    expect(hint).to.contain("one unlock period");
    expect(hint).to.not.contain("expiring by");
  });

  it("decodes data that is no broker error to TicketBrokerUnknownRevert", function () {
    expect(decodeBrokerError("0xdeadbeef")).to.be.instanceOf(TicketBrokerUnknownRevert);
  });
});

describe("findRevertData", function () {
  const data = `0x${"ab".repeat(4)}${"00".repeat(32)}`;

  it("finds data where ethers and Hardhat nest it", function () {
    expect(findRevertData(data)).to.equal(data);
    expect(findRevertData({ info: { error: { data } } })).to.equal(data);
    expect(findRevertData({ data: { data } })).to.equal(data);
    expect(findRevertData({ revert: { revertData: data } })).to.equal(data);
    expect(findRevertData({ cause: { error: { cause: { data } } } })).to.equal(data);
  });

  it("prefers data with a selector over an empty 0x found first, and returns 0x when alone", function () {
    expect(findRevertData({ data: "0x", info: { error: { data } } })).to.equal(data);
    expect(findRevertData({ data: "0x" })).to.equal("0x");
    expect(findRevertData({ data: "not hex" })).to.equal(undefined);
    expect(findRevertData(new Error("boom"))).to.equal(undefined);
  });

  it("stops seven levels down", function () {
    let deep: unknown = { data };
    for (let i = 0; i < 6; i++) deep = { cause: deep };
    expect(findRevertData(deep)).to.equal(data);
    expect(findRevertData({ cause: deep })).to.equal(undefined);
  });
});
