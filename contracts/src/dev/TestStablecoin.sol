// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestStablecoin
/// @notice DEVELOPMENT ONLY: a 6-decimal dollar stand-in that anyone can mint. The deploy script deploys it
/// only for local networks; production markets allowlist real stablecoins instead.
contract TestStablecoin is ERC20, ERC20Permit {
    constructor() ERC20("Agora Test USD", "tUSD") ERC20Permit("Agora Test USD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` to `to`. Unrestricted on purpose: this token has no value.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
