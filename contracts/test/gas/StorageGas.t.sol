// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StorageMarket} from "../../src/StorageMarket.sol";
import {IStorageMarket} from "../../src/interfaces/IStorageMarket.sol";
import {StorageAsk, StorageBid} from "../../src/types/StorageOrders.sol";
import {StorageDigests} from "../utils/StorageDigests.sol";
import {StorageFixture} from "../utils/StorageFixture.sol";

/// @notice Gas of a storage proof (execution only; `npm run bench:gas` adds the base cost and the calldata floor on
/// anvil) and of opening a deal, committed as snapshots so a change in gas shows in review. The file has 2^depth
/// equal segments, so any challenge has the same path and a 64 GiB tree costs 30 hashes to build here.
contract StorageGasTest is StorageFixture {
    using StorageDigests for StorageMarket;

    function test_gas_proof_depth20() public {
        _measure(20, "proof.depth20");
    }

    function test_gas_proof_depth30() public {
        _measure(30, "proof.depth30");
    }

    function _measure(uint256 depth, string memory name) internal {
        bytes32[2] memory segment = [keccak256("left"), keccak256("right")];
        bytes32[] memory siblings = new bytes32[](depth);
        bytes32 node = keccak256(abi.encodePacked(segment[0], segment[1]));
        for (uint256 k = 0; k < depth; ++k) {
            siblings[k] = node;
            node = keccak256(abi.encodePacked(node, node));
        }
        StorageBid memory bid = _bid(1, 4);
        bid.root = node;
        bid.size = uint64(64 << depth);
        bid.collateralPerGiB = 1;
        bid.maxPricePerGiBPeriod = 1;
        StorageAsk[] memory asks = new StorageAsk[](1);
        bytes[] memory signatures = new bytes[](1);
        asks[0] = _ask(0);
        asks[0].pricePerGiBPeriod = 1;
        signatures[0] = _sign(providerKeys[0], market.hashAsk(asks[0]));
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.prank(matcher);
        uint256 dealId = market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
        vm.snapshotGasLastCall("storage", string.concat("matchDeal.r1.depth", vm.toString(depth)));
        for (uint256 period = 0; period < 2; ++period) {
            IStorageMarket.Challenge memory challenge = market.challengeOf(dealId, 0);
            vm.roll(challenge.opensAt);
            vm.prank(providers[0]);
            market.prove(dealId, 0, segment, siblings);
        }
        vm.snapshotGasLastCall("storage", name);
    }
}
