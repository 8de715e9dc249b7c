// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IComputeMarket} from "../../src/interfaces/IComputeMarket.sol";
import {IVerifier} from "../../src/interfaces/IVerifier.sol";

/// @notice A verifier that says whatever its script says: the stand-in for a buggy or hostile module the owner
/// installed. It remembers the last record the market opened with it and the content that came along.
contract ScriptedVerifier is IVerifier {
    IComputeMarket internal immutable market;
    bytes public lastRecord;
    bytes public lastContent;

    constructor(IComputeMarket market_) {
        market = market_;
    }

    function onTaskOpened(bytes calldata record, bytes calldata content) external {
        lastRecord = record;
        lastContent = content;
    }

    function decide(bytes calldata record, IComputeMarket.Verdict calldata verdict) external {
        market.settle(record, verdict);
    }
}
