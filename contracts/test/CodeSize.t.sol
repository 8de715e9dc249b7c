// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Reviews} from "../src/Reviews.sol";
import {StorageMarket} from "../src/StorageMarket.sol";
import {AgoraTimelock} from "../src/governance/AgoraTimelock.sol";
import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IStorageMarket} from "../src/interfaces/IStorageMarket.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

/// @notice Every contract keeps room under the 24,576-byte code limit (EIP-170), so the next change to it does not
/// first have to make space.
contract CodeSizeTest is MarketFixture {
    uint256 internal constant LIMIT = 24_576;
    uint256 internal constant SPARE = 2048;

    function test_codeSize_registryPoolReviewsAndTimelockKeep2KB() public {
        assertLe(address(registry).code.length, LIMIT - SPARE, "ProviderRegistry");
        assertLe(address(pool).code.length, LIMIT - SPARE, "ReplicaPool");
        Reviews reviews = new Reviews(IComputeMarket(address(market)), IStorageMarket(address(0)));
        assertLe(address(reviews).code.length, LIMIT - SPARE, "Reviews");
        AgoraTimelock timelock = new AgoraTimelock(0, new address[](0), new address[](0));
        assertLe(address(timelock).code.length, LIMIT - SPARE, "AgoraTimelock");
    }

    /// ComputeMarket as deployed: the 800-run artifact the SDK embeds (tests that import both markets compile it at
    /// 100 runs, so `market` here is not it). Its verifier is a contract of its own and keeps the margin too.
    function test_codeSize_computeMarketAndItsVerifierKeep2KB() public view {
        uint256 deployed = vm.getDeployedCode("out/ComputeMarket.sol/ComputeMarket.json").length;
        assertLe(deployed, LIMIT - SPARE, "ComputeMarket");
        assertLe(address(verifier).code.length, LIMIT - SPARE, "ReplicatedVerifier");
    }

    /// StorageMarket keeps the margin with the stateless rules of opening a deal in a contract it creates.
    function test_codeSize_storageMarketAndItsOrderRulesKeep2KB() public {
        StorageMarket storageMarket = new StorageMarket(
            registry,
            owner,
            treasury,
            IStorageMarket.StorageParams({
                protocolFeeBps: 100,
                matcherFeeBps: 50,
                compensationBps: 5000,
                periodBlocks: 600,
                windowBlocks: 100,
                minStake: 1
            })
        );
        assertLe(address(storageMarket).code.length, LIMIT - SPARE, "StorageMarket");
        assertLe(address(storageMarket.orderRules()).code.length, LIMIT - SPARE, "StorageOrderRules");
    }
}
