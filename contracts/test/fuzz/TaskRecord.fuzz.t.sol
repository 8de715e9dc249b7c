// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {TaskRecordLib} from "../../src/libraries/TaskRecordLib.sol";
import {Task} from "../../src/types/Orders.sol";

contract TaskRecordFuzzTest is Test {
    /// @notice The record the market writes with its hand-placed stores is, byte for byte, the documented layout:
    /// every field packed in order, then each provider's 20 bytes (the SDK's `decodeTaskRecord` reads the same).
    function testFuzz_encode_isThePackedLayout(Task memory task, uint8 count, bytes32 salt) public pure {
        count = uint8(bound(count, 1, 16));
        task.providers = new address[](count);
        for (uint256 i = 0; i < count; ++i) {
            task.providers[i] = address(uint160(uint256(keccak256(abi.encode(salt, i)))));
        }
        // Not `abi.encodePacked` of the array, which pads each address to 32 bytes: the record packs it into 20.
        bytes memory packed = abi.encodePacked(
            task.client,
            task.nonce,
            task.token,
            task.matcher,
            task.pricePerFuel,
            task.maxFuel,
            task.quorum,
            task.protocolFeeBps,
            task.matcherFeeBps,
            task.commitDeadline,
            task.revealDeadline,
            task.previous,
            task.mode
        );
        for (uint256 i = 0; i < count; ++i) {
            packed = bytes.concat(packed, bytes20(task.providers[i]));
        }
        assertEq(packed.length, TaskRecordLib.HEAD_LENGTH + TaskRecordLib.PROVIDER_LENGTH * count);
        assertEq(TaskRecordLib.encode(task), packed);
    }
}
