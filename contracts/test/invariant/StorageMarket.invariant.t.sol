// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IStorageMarket} from "../../src/interfaces/IStorageMarket.sol";
import {DealStatus} from "../../src/types/StorageOrders.sol";
import {StorageFixture} from "../utils/StorageFixture.sol";
import {StorageHandler} from "./StorageHandler.sol";

contract StorageMarketInvariantTest is StorageFixture {
    StorageHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[] memory assigned = new address[](4);
        uint256[] memory keys = new uint256[](4);
        for (uint256 i = 0; i < 4; ++i) {
            assigned[i] = providers[i];
            keys[i] = providerKeys[i];
        }
        handler = new StorageHandler(
            market, address(usd), client, clientKey, matcher, assigned, keys, segments, levels, _size()
        );
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = StorageHandler.open.selector;
        selectors[1] = StorageHandler.prove.selector;
        selectors[2] = StorageHandler.reportMissed.selector;
        selectors[3] = StorageHandler.repair.selector;
        selectors[4] = StorageHandler.claim.selector;
        selectors[5] = StorageHandler.cancel.selector;
        selectors[6] = StorageHandler.renew.selector;
        selectors[7] = StorageHandler.finish.selector;
        selectors[8] = StorageHandler.roll.selector;
        selectors[9] = StorageHandler.openWithoutUpload.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice Money is conserved: the market holds exactly every balance, fee pot and what open deals hold.
    /// @notice No deal opens without every provider's acceptance, so collateral is never at risk for data a client
    /// withheld.
    function invariant_noDealWithoutAcceptance() public view {
        assertEq(handler.unacceptedDeals(), 0);
    }

    function invariant_moneyConserved() public view {
        assertEq(usd.balanceOf(address(market)), _books());
    }

    /// @notice No payment without a valid proof: what each provider was paid plus what it has earned and not yet
    /// been paid is exactly one period per accepted proof, and no wrong segment was ever accepted.
    function invariant_paymentOnlyForProofs() public view {
        assertEq(handler.invalidProofsAccepted(), 0);
        for (uint256 i = 0; i < handler.providerCount(); ++i) {
            address provider = handler.providerAt(i);
            assertEq(
                handler.paidPeriods(provider) + _unpaidPeriods(provider), handler.provenPeriods(provider)
            );
        }
    }

    /// @notice A period is paid once: no (deal, slot, period) was accepted twice, and no slot runs past its deal.
    function invariant_periodProvenOnce() public view {
        assertEq(handler.periodsProvenTwice(), 0);
        for (uint256 id = 1; id <= market.dealCount(); ++id) {
            IStorageMarket.Deal memory deal = market.deal(id);
            for (uint256 i = 0; i < deal.replicas; ++i) {
                assertLe(market.slot(id, i).nextPeriod, deal.periods);
            }
        }
    }

    /// @notice Every deal reaches a final state through `finish`, which anyone can call, and then holds nothing.
    function afterInvariant() public virtual {
        vm.roll(block.number + 100 * PERIOD_BLOCKS);
        for (uint256 id = 1; id <= market.dealCount(); ++id) {
            if (market.deal(id).status == DealStatus.Active) handler.finishDeal(id);
            assertEq(uint8(market.deal(id).status), uint8(DealStatus.Finished));
            assertEq(_heldBy(id), 0);
        }
        assertEq(usd.balanceOf(address(market)), _books());
        for (uint256 i = 0; i < handler.providerCount(); ++i) {
            address provider = handler.providerAt(i);
            assertEq(handler.paidPeriods(provider), handler.provenPeriods(provider));
        }
    }

    function _unpaidPeriods(address provider) internal view returns (uint256 periods) {
        for (uint256 id = 1; id <= market.dealCount(); ++id) {
            IStorageMarket.Deal memory deal = market.deal(id);
            for (uint256 i = 0; i < deal.replicas; ++i) {
                IStorageMarket.Slot memory slot = market.slot(id, i);
                if (slot.provider == provider) periods += slot.earned;
            }
        }
    }
}
