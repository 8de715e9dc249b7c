// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev A provider's open tasks are its matched tasks (counted in the compute market's provider word) less its settled
/// tasks (counted in its escrow accounts); both counts, and so their difference, are kept modulo 2^15.
uint256 constant TASK_COUNT_MASK = (1 << 15) - 1;
