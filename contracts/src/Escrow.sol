// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IEscrow} from "./interfaces/IEscrow.sol";
import {TASK_COUNT_MASK} from "./types/TaskCounts.sol";

/// @title Escrow
/// @notice Token custody for a market. Markets inherit it instead of calling a separate vault: a cross-contract
/// call costs at least 2,600 gas cold, and a task touches escrow in every transaction of its lifecycle.
abstract contract Escrow is IEscrow, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    mapping(address token => mapping(address account => Account)) internal _accounts;
    mapping(address matcher => mapping(address token => FeePot)) internal _feePots;
    mapping(address token => bool) internal _allowedTokens;
    /// @notice Every token ever allowed, so a provider's settled tasks can be summed over them (see
    /// `Account.settledTasks`).
    address[] internal _tokens;
    address public treasury;

    uint256 public constant MAX_TOKENS = 8;

    constructor(address treasury_) {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IEscrow
    function deposit(address token, address to, uint256 amount) external nonReentrant {
        if (!_allowedTokens[token]) revert EscrowTokenNotAllowed(token);
        if (amount == 0) revert EscrowZeroAmount();
        if (to == address(0)) revert EscrowZeroAddress();
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 total = IERC20(token).balanceOf(address(this));
        // Every balance kept here is a part of this total, so capping it keeps all of them within uint120.
        if (total > type(uint120).max) revert EscrowAmountTooLarge(total);
        uint256 received = total - before;
        Account storage account = _accounts[token][to];
        // Cannot overflow: free + received <= total <= type(uint120).max.
        unchecked {
            account.free += uint120(received);
        }
        emit Deposited(token, to, received);
    }

    /// @inheritdoc IEscrow
    function withdraw(address token, uint256 amount) external nonReentrant {
        if (amount == 0) revert EscrowZeroAmount();
        Account storage account = _accounts[token][msg.sender];
        uint256 free = account.free;
        if (free < amount) revert EscrowInsufficientBalance(token, msg.sender, free, amount);
        // Cannot underflow: checked just above.
        unchecked {
            account.free = uint120(free - amount);
        }
        IERC20(token).safeTransfer(msg.sender, amount);
        emit Withdrawn(token, msg.sender, amount);
    }

    /// @inheritdoc IEscrow
    function claimMatcherFees(address token) external nonReentrant returns (uint256 amount) {
        FeePot storage pot = _feePots[msg.sender][token];
        amount = pot.matcherFees;
        if (amount == 0) revert EscrowNothingToClaim();
        pot.matcherFees = 0;
        IERC20(token).safeTransfer(msg.sender, amount);
        emit MatcherFeesClaimed(token, msg.sender, amount);
    }

    /// @inheritdoc IEscrow
    function collectProtocolFees(address token, address[] calldata matchers)
        external
        nonReentrant
        returns (uint256 amount)
    {
        for (uint256 i = 0; i < matchers.length; ++i) {
            FeePot storage pot = _feePots[matchers[i]][token];
            amount += pot.protocolFees;
            pot.protocolFees = 0;
        }
        if (amount == 0) revert EscrowNothingToClaim();
        address to = treasury;
        IERC20(token).safeTransfer(to, amount);
        emit ProtocolFeesCollected(token, to, amount);
    }

    /// @notice Allows or stops new deposits of `token`. Existing balances stay withdrawable either way.
    function setTokenAllowed(address token, bool allowed) external onlyOwner {
        if (token == address(0)) revert EscrowZeroAddress();
        if (allowed && !_isKnownToken(token)) {
            if (_tokens.length == MAX_TOKENS) revert EscrowTooManyTokens(MAX_TOKENS);
            _tokens.push(token);
        }
        _allowedTokens[token] = allowed;
        emit TokenAllowed(token, allowed);
    }

    /// @notice Sets where protocol fees are sent.
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IEscrow
    function balanceOf(address token, address account) external view returns (Account memory) {
        return _accounts[token][account];
    }

    /// @inheritdoc IEscrow
    function feesOf(address matcher, address token) external view returns (FeePot memory) {
        return _feePots[matcher][token];
    }

    /// @inheritdoc IEscrow
    function isTokenAllowed(address token) external view returns (bool) {
        return _allowedTokens[token];
    }

    // Arithmetic below is unchecked on purpose: every amount moved is a part of the escrow's own token
    // balance, which `deposit` caps at type(uint120).max, so no sum of balances can exceed uint120.

    /// @dev Moves `amount` from the client's free to its locked balance.
    function _lock(address token, address client, uint256 amount) internal {
        Account storage account = _accounts[token][client];
        Account memory balance = account;
        if (balance.free < amount) revert EscrowInsufficientBalance(token, client, balance.free, amount);
        unchecked {
            account.free = uint120(balance.free - amount);
            account.locked = uint120(balance.locked + amount);
        }
    }

    /// @dev Takes `amount` out of the account's free balance into a deal the market holds.
    function _debit(address token, address account, uint256 amount) internal {
        Account storage balance = _accounts[token][account];
        uint256 free = balance.free;
        if (free < amount) revert EscrowInsufficientBalance(token, account, free, amount);
        unchecked {
            balance.free = uint120(free - amount);
        }
    }

    /// @dev Releases `locked` from the client's locked balance and credits `refund` of it back to free; the
    /// caller has paid out the rest. Callers guarantee `refund <= locked` and that `locked` was locked once.
    function _release(address token, address client, uint256 locked, uint256 refund) internal {
        Account storage account = _accounts[token][client];
        Account memory balance = account;
        unchecked {
            account.locked = uint120(balance.locked - locked);
            account.free = uint120(balance.free + refund);
        }
    }

    /// @dev Credits an account's free balance with part of a released lock.
    function _credit(address token, address to, uint256 amount) internal {
        unchecked {
            _accounts[token][to].free += uint120(amount);
        }
    }

    /// @dev Pays a provider of a settled task and counts the task settled for it, in one write.
    function _creditSettled(address token, address provider, uint256 amount) internal {
        Account storage account = _accounts[token][provider];
        Account memory balance = account;
        // The count wraps on purpose (see `Account.settledTasks`).
        unchecked {
            account.free = uint120(balance.free + amount);
            account.settledTasks = uint16((balance.settledTasks + 1) & TASK_COUNT_MASK);
        }
    }

    /// @dev How many tasks `provider` served have settled, summed over every token, modulo 2^15.
    function _settledTasks(address provider) internal view returns (uint256 settled) {
        uint256 count = _tokens.length;
        for (uint256 i = 0; i < count; ++i) {
            settled += _accounts[_tokens[i]][provider].settledTasks;
        }
        return settled & TASK_COUNT_MASK;
    }

    function _isKnownToken(address token) private view returns (bool) {
        uint256 count = _tokens.length;
        for (uint256 i = 0; i < count; ++i) {
            if (_tokens[i] == token) return true;
        }
        return false;
    }

    /// @dev Accrues fees taken from a released lock.
    function _accrueFees(address matcher, address token, uint256 matcherFee, uint256 protocolFee) internal {
        FeePot storage pot = _feePots[matcher][token];
        FeePot memory fees = pot;
        unchecked {
            pot.matcherFees = uint128(fees.matcherFees + matcherFee);
            pot.protocolFees = uint128(fees.protocolFees + protocolFee);
        }
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert EscrowZeroAddress();
        treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }
}
