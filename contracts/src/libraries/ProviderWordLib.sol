// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {TASK_COUNT_MASK} from "../types/TaskCounts.sol";

/// @notice The compute market's one word per provider: its standing, mirrored from the registry, and the fill
/// count of the ask it was last matched with.
/// @dev Layout (low to high bits): bonded 96 | jailedUntil 40 | status 8 | hot ask nonce 64 | hot ask fills 32 |
/// hot ask set 1 | matched tasks 15. `matched tasks` counts, modulo 2^15, every task the provider was matched
/// with; less the tasks counted settled in its escrow accounts, it is the number of its open tasks. A match reads
/// this word anyway to check the provider's standing, so counting the fills of the provider's current ask here
/// costs a warm rewrite instead of a cold read and rewrite of a slot of its own (~2,100 gas per provider). An ask's
/// fills live either here (while it is the hot ask) or in the market's per-ask counters (once another ask took its
/// place), never in both: switching moves them out.
library ProviderWordLib {
    uint256 private constant STANDING_BITS = 144;
    uint256 private constant STANDING_MASK = (1 << STANDING_BITS) - 1;
    uint256 private constant HOT_SET = 1 << 240;
    uint256 private constant MATCHED_SHIFT = 241;
    /// @dev The standing and the matched count: what replacing the hot ask keeps.
    uint256 private constant KEPT_MASK = STANDING_MASK | (TASK_COUNT_MASK << MATCHED_SHIFT);

    /// @notice The word with a new standing, its hot ask kept.
    function withStanding(
        uint256 word,
        uint96 bonded_,
        uint40 jailedUntil_,
        IProviderRegistry.ProviderStatus status_
    ) internal pure returns (uint256) {
        return (word & ~STANDING_MASK) | uint256(bonded_) | (uint256(jailedUntil_) << 96)
            | (uint256(status_) << 136);
    }

    function bonded(uint256 word) internal pure returns (uint96) {
        return uint96(word);
    }

    function jailedUntil(uint256 word) internal pure returns (uint40) {
        return uint40(word >> 96);
    }

    function providerStatus(uint256 word) internal pure returns (IProviderRegistry.ProviderStatus) {
        return IProviderRegistry.ProviderStatus(uint8(word >> 136));
    }

    /// @notice Whether the hot ask is the ask with `nonce`.
    function isHotAsk(uint256 word, uint64 nonce) internal pure returns (bool) {
        return word & HOT_SET != 0 && uint64(word >> 144) == nonce;
    }

    function hasHotAsk(uint256 word) internal pure returns (bool) {
        return word & HOT_SET != 0;
    }

    function hotAskNonce(uint256 word) internal pure returns (uint64) {
        return uint64(word >> 144);
    }

    function hotAskFills(uint256 word) internal pure returns (uint32) {
        return uint32(word >> 208);
    }

    /// @notice The word with the ask `nonce` hot at `fills` fills and one more task matched, its standing kept.
    function withMatchedAsk(uint256 word, uint64 nonce, uint32 fills) internal pure returns (uint256) {
        uint256 matched = ((word >> MATCHED_SHIFT) + 1) & TASK_COUNT_MASK;
        return (word & STANDING_MASK) | (uint256(nonce) << 144) | (uint256(fills) << 208) | HOT_SET
            | (matched << MATCHED_SHIFT);
    }

    /// @notice The word with one more matched task, its hot ask kept: a seat drawn from the pool fills no ask.
    function withMatchedTask(uint256 word) internal pure returns (uint256) {
        uint256 matched = ((word >> MATCHED_SHIFT) + 1) & TASK_COUNT_MASK;
        return (word & ~(TASK_COUNT_MASK << MATCHED_SHIFT)) | (matched << MATCHED_SHIFT);
    }

    function withoutHotAsk(uint256 word) internal pure returns (uint256) {
        return word & KEPT_MASK;
    }

    /// @notice How many tasks the provider was matched with, modulo 2^15.
    function matchedTasks(uint256 word) internal pure returns (uint256) {
        return word >> MATCHED_SHIFT;
    }
}
