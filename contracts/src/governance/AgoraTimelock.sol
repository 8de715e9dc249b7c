// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title AgoraTimelock
/// @notice The one owner of every parameter, allowlist and role in Agora: OpenZeppelin's `TimelockController`,
/// administering itself. Once set up, every change waits at least `MIN_DELAY`, a day longer than the longest
/// unbonding period the registry allows (`ProviderRegistry.MAX_UNBONDING_PERIOD`), so a provider or client who
/// dislikes a scheduled change can leave with everything before it takes effect; `updateDelay` refuses anything
/// shorter, so not even the timelock can lower it.
/// @dev It starts with the delay it is given (zero while a deployment wires the contracts in one batch, whose last
/// call raises it); the deployment's own test checks the delay it ends with.
contract AgoraTimelock is TimelockController {
    uint256 public constant MIN_DELAY = 15 days;

    error TimelockDelayTooShort(uint256 delay, uint256 minimum);

    constructor(uint256 delay, address[] memory proposers, address[] memory executors)
        TimelockController(delay, proposers, executors, address(0))
    {}

    /// @inheritdoc TimelockController
    function updateDelay(uint256 newDelay) public override {
        if (newDelay < MIN_DELAY) revert TimelockDelayTooShort(newDelay, MIN_DELAY);
        super.updateDelay(newDelay);
    }
}
