// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProviderRegistry} from "./IProviderRegistry.sol";

/// @title A market that keeps its own copy of each provider's standing in the registry.
/// @notice The registry calls `onProviderChanged` on every mirror whenever a provider's status, bonded stake or
/// jail term changes, in the same transaction, so a mirror's copy always equals the registry's. A market checks
/// a provider's eligibility from its own storage instead of calling the registry on every match.
interface IProviderMirror {
    /// @notice The provider's new standing. Only the registry may call this.
    function onProviderChanged(
        address provider,
        uint96 bonded,
        uint40 jailedUntil,
        IProviderRegistry.ProviderStatus status
    ) external;

    /// @notice How many tasks of this market the provider serves that have not settled yet. The registry lets no
    /// stake leave while it is not zero, so a provider that never shows up cannot withdraw before its slash.
    function openTasksOf(address provider) external view returns (uint256);
}
