// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TaskRecordLib} from "../../src/libraries/TaskRecordLib.sol";

/// @notice Reads a seated record (as `seat` returns it) in memory, for tests.
library SeatedRecord {
    function providers(bytes memory record) internal pure returns (address[] memory seats) {
        uint256 count = (record.length - TaskRecordLib.HEAD_LENGTH) / TaskRecordLib.PROVIDER_LENGTH;
        seats = new address[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 offset = TaskRecordLib.HEAD_LENGTH + TaskRecordLib.PROVIDER_LENGTH * i;
            address seat;
            assembly ("memory-safe") {
                seat := shr(96, mload(add(add(record, 0x20), offset)))
            }
            seats[i] = seat;
        }
    }

    function pricePerFuel(bytes memory record) internal pure returns (uint128 price) {
        assembly ("memory-safe") {
            price := shr(128, mload(add(add(record, 0x20), 68)))
        }
    }
}
