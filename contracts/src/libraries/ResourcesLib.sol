// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Packs a provider's resources into one word so asks and registrations carry them cheaply.
/// Layout (low to high bits): cpuCores 16 | memoryMiB 32 | gpuCount 8 | storageGiB 32 | region 16 |
/// features 32 | gpuModel 120 (ASCII, left-aligned in its field).
library ResourcesLib {
    /// @notice Feature flag: the provider runs tasks in a trusted execution environment.
    uint32 internal constant FEATURE_TEE = 1;
    /// @notice Feature flag: the provider offers storage deals.
    uint32 internal constant FEATURE_STORAGE = 2;

    function cpuCores(uint256 resources) internal pure returns (uint16) {
        return uint16(resources);
    }

    function memoryMiB(uint256 resources) internal pure returns (uint32) {
        return uint32(resources >> 16);
    }

    function gpuCount(uint256 resources) internal pure returns (uint8) {
        return uint8(resources >> 48);
    }

    function storageGiB(uint256 resources) internal pure returns (uint32) {
        return uint32(resources >> 56);
    }

    function region(uint256 resources) internal pure returns (uint16) {
        return uint16(resources >> 88);
    }

    function features(uint256 resources) internal pure returns (uint32) {
        return uint32(resources >> 104);
    }

    function gpuModel(uint256 resources) internal pure returns (bytes15) {
        return bytes15(uint120(resources >> 136));
    }
}
