// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IProviderMirror} from "./interfaces/IProviderMirror.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {ResourcesLib} from "./libraries/ResourcesLib.sol";

/// @title ProviderRegistry
/// @notice Holds providers' resources, metadata and stake in the protocol token.
contract ProviderRegistry is IProviderRegistry, Ownable2Step {
    using SafeERC20 for IERC20;
    using ResourcesLib for uint256;

    uint256 public constant MAX_CID_LENGTH = 128;
    uint16 public constant MAX_SLASH_BPS = 5000;
    /// @notice Longer than any market's longest task plus challenge window (two days for compute), so stake
    /// that backs a task cannot leave before the task settles.
    uint32 public constant MIN_UNBONDING_PERIOD = 3 days;
    /// @notice Below the timelock's `MIN_DELAY`, so every change of the rules can be escaped by unbonding first.
    uint32 public constant MAX_UNBONDING_PERIOD = 14 days;
    uint32 public constant MAX_JAIL_DURATION = 90 days;
    /// @notice Bounds the calls every change of a provider's standing makes.
    uint256 public constant MAX_MIRRORS = 4;
    /// @notice Gas each mirror gets per call: a market's update is one storage write (about 25,000 gas at most); a
    /// mirror that needs more, or reverts, misses the update but can never block a stake, an unbond or a slash.
    uint256 public constant MIRROR_GAS = 60_000;

    IERC20 public immutable stakeToken;
    address public treasury;
    RegistryParams internal _params;

    mapping(address provider => Provider) internal _providers;
    mapping(address provider => uint40) internal _unbondingReadyAt;
    mapping(address provider => uint256) internal _resources;
    mapping(address provider => bytes) internal _metadataCids;
    mapping(address module => bool) public isSlasher;
    address[] internal _mirrors;

    modifier onlyRegistered() {
        ProviderStatus status = _providers[msg.sender].status;
        if (status == ProviderStatus.None) revert RegistryNotRegistered(msg.sender);
        _;
    }

    constructor(IERC20 stakeToken_, address owner_, address treasury_, RegistryParams memory params_)
        Ownable(owner_)
    {
        stakeToken = stakeToken_;
        _setTreasury(treasury_);
        _setParams(params_);
    }

    /// @inheritdoc IProviderRegistry
    function register(uint256 resources, bytes calldata metadataCid) external {
        if (_providers[msg.sender].status != ProviderStatus.None) {
            revert RegistryAlreadyRegistered(msg.sender);
        }
        _setProfile(resources, metadataCid);
        _providers[msg.sender].status = ProviderStatus.Active;
        _publish(msg.sender);
        emit ProviderRegistered(msg.sender, resources, metadataCid);
    }

    /// @inheritdoc IProviderRegistry
    function updateProfile(uint256 resources, bytes calldata metadataCid) external onlyRegistered {
        _setProfile(resources, metadataCid);
        emit ProviderProfileUpdated(msg.sender, resources, metadataCid);
    }

    /// @inheritdoc IProviderRegistry
    function stake(uint96 amount) external onlyRegistered {
        if (amount == 0) revert RegistryZeroAmount();
        Provider storage provider = _providers[msg.sender];
        if (provider.status == ProviderStatus.Left) revert RegistryProviderLeft(msg.sender);
        uint256 bonded = uint256(provider.bonded) + amount;
        if (bonded > type(uint96).max) revert RegistryStakeOverflow();
        provider.bonded = uint96(bonded);
        _publish(msg.sender);
        stakeToken.safeTransferFrom(msg.sender, address(this), amount);
        emit Staked(msg.sender, amount, bonded);
    }

    /// @inheritdoc IProviderRegistry
    function requestUnbond(uint96 amount) external onlyRegistered {
        if (amount == 0) revert RegistryZeroAmount();
        _unbond(msg.sender, amount);
        _publish(msg.sender);
    }

    /// @inheritdoc IProviderRegistry
    function withdrawStake() external onlyRegistered {
        Provider storage provider = _providers[msg.sender];
        uint256 amount = provider.unbonding;
        if (amount == 0) revert RegistryNothingToWithdraw();
        uint40 readyAt = _unbondingReadyAt[msg.sender];
        if (block.timestamp < readyAt) revert RegistryUnbondingNotReady(readyAt);
        _requireNoOpenTasks(msg.sender);
        provider.unbonding = 0;
        stakeToken.safeTransfer(msg.sender, amount);
        emit StakeWithdrawn(msg.sender, amount);
    }

    /// @inheritdoc IProviderRegistry
    function leave() external onlyRegistered {
        Provider storage provider = _providers[msg.sender];
        if (provider.status == ProviderStatus.Left) revert RegistryProviderLeft(msg.sender);
        provider.status = ProviderStatus.Left;
        uint96 bonded = provider.bonded;
        if (bonded != 0) _unbond(msg.sender, bonded);
        _publish(msg.sender);
        emit ProviderLeft(msg.sender, provider.unbonding, _unbondingReadyAt[msg.sender]);
    }

    /// @inheritdoc IProviderRegistry
    function slash(bytes32 taskId, address[] calldata providers) external {
        if (!isSlasher[msg.sender]) revert RegistryUnauthorizedSlasher(msg.sender);
        RegistryParams memory params_ = _params;
        uint40 jailedUntil = uint40(block.timestamp) + params_.jailDuration;
        uint256 total;
        for (uint256 i = 0; i < providers.length; ++i) {
            Provider storage provider = _providers[providers[i]];
            Provider memory current = provider;
            uint256 amount = (uint256(current.bonded) + current.unbonding) * params_.slashBps / 10_000;
            // Bonded first, then unbonding; the amount never exceeds their sum since slashBps <= 10,000.
            uint96 fromBonded = amount > current.bonded ? current.bonded : uint96(amount);
            unchecked {
                provider.bonded = current.bonded - fromBonded;
                provider.unbonding = current.unbonding - uint96(amount - fromBonded);
            }
            if (jailedUntil > current.jailedUntil) provider.jailedUntil = jailedUntil;
            _publish(providers[i]);
            total += amount;
            emit ProviderSlashed(providers[i], taskId, amount, jailedUntil);
        }
        if (total != 0) stakeToken.safeTransfer(treasury, total);
    }

    /// @inheritdoc IProviderRegistry
    function jail(address provider, uint40 until) external onlyOwner {
        if (_providers[provider].status == ProviderStatus.None) revert RegistryNotRegistered(provider);
        uint256 latest = block.timestamp + MAX_JAIL_DURATION;
        if (until > latest) revert RegistryParamOutOfBounds("jailUntil", until, block.timestamp, latest);
        _providers[provider].jailedUntil = until;
        _publish(provider);
        emit ProviderJailed(provider, until);
    }

    /// @inheritdoc IProviderRegistry
    function sync(address provider) external {
        if (_providers[provider].status == ProviderStatus.None) revert RegistryNotRegistered(provider);
        _publish(provider);
    }

    /// @notice Adds or removes a market that mirrors providers' standing. Add a market before it goes live (or
    /// `sync` the providers registered before it); remove it only once it matches no more: a removed mirror keeps
    /// the standing it last heard of.
    function setMirror(address mirror, bool added) external onlyOwner {
        if (mirror == address(0)) revert RegistryZeroAddress();
        uint256 count = _mirrors.length;
        for (uint256 i = 0; i < count; ++i) {
            if (_mirrors[i] != mirror) continue;
            if (!added) {
                _mirrors[i] = _mirrors[count - 1];
                _mirrors.pop();
                emit MirrorUpdated(mirror, false);
            }
            return;
        }
        if (!added) return;
        if (count == MAX_MIRRORS) revert RegistryTooManyMirrors(MAX_MIRRORS);
        _mirrors.push(mirror);
        emit MirrorUpdated(mirror, true);
    }

    /// @notice Allows or revokes a market module's right to slash.
    function setSlasher(address module, bool allowed) external onlyOwner {
        if (module == address(0)) revert RegistryZeroAddress();
        isSlasher[module] = allowed;
        emit SlasherUpdated(module, allowed);
    }

    /// @notice Sets the registry parameters, each within its hard bounds.
    function setParams(RegistryParams calldata params_) external onlyOwner {
        _setParams(params_);
    }

    /// @notice Sets where slashed stake is sent.
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IProviderRegistry
    function requireEligible(address[] calldata providers, uint256 minStake) external view {
        for (uint256 i = 0; i < providers.length; ++i) {
            Provider memory provider = _providers[providers[i]];
            if (provider.status != ProviderStatus.Active) {
                if (provider.status == ProviderStatus.Left) revert RegistryProviderLeft(providers[i]);
                revert RegistryNotRegistered(providers[i]);
            }
            if (provider.jailedUntil > block.timestamp) {
                revert RegistryJailed(providers[i], provider.jailedUntil);
            }
            if (provider.bonded < minStake) {
                revert RegistryInsufficientStake(providers[i], provider.bonded, minStake);
            }
        }
    }

    /// @inheritdoc IProviderRegistry
    function mirrors() external view returns (address[] memory) {
        return _mirrors;
    }

    /// @inheritdoc IProviderRegistry
    function providerOf(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    /// @inheritdoc IProviderRegistry
    function profileOf(address provider) external view returns (uint256 resources, bytes memory metadataCid) {
        return (_resources[provider], _metadataCids[provider]);
    }

    /// @inheritdoc IProviderRegistry
    function unbondingReadyAt(address provider) external view returns (uint40) {
        return _unbondingReadyAt[provider];
    }

    /// @notice The current parameters.
    function params() external view returns (RegistryParams memory) {
        return _params;
    }

    /// @dev Tells every mirror the provider's standing as it now is. Called after every change of a provider's
    /// status, bonded stake or jail term, before any token moves. A mirror that fails misses the update: no mirror
    /// may block the provider's exit or a slash. A caller cannot make a mirror fail by sending too little gas: a
    /// call that failed with less than 1/64 of its gas left over ran out of it, and then the whole call reverts.
    function _publish(address account) private {
        uint256 count = _mirrors.length;
        if (count == 0) return;
        Provider memory provider = _providers[account];
        for (uint256 i = 0; i < count; ++i) {
            address mirror = _mirrors[i];
            try IProviderMirror(mirror).onProviderChanged{gas: MIRROR_GAS}(
                account, provider.bonded, provider.jailedUntil, provider.status
            ) {}
            catch {
                if (gasleft() <= MIRROR_GAS / 63) revert RegistryMirrorOutOfGas(mirror);
                emit MirrorFailed(mirror, account);
            }
        }
    }

    /// @dev Reverts while a mirror reports a task of the provider still open: stake backs a task until it is final,
    /// however late that is. A mirror that reverts is ignored, so it cannot trap stake; but a withdrawal that starves
    /// the question of gas (under 1/64 of it left over) reverts, or a no-show could skip its own check.
    function _requireNoOpenTasks(address account) private view {
        uint256 count = _mirrors.length;
        for (uint256 i = 0; i < count; ++i) {
            address mirror = _mirrors[i];
            try IProviderMirror(mirror).openTasksOf{gas: MIRROR_GAS}(account) returns (uint256 open) {
                if (open != 0) revert RegistryStakeBacksOpenTasks(mirror, open);
            } catch {
                if (gasleft() <= MIRROR_GAS / 63) revert RegistryMirrorOutOfGas(mirror);
            }
        }
    }

    function _unbond(address account, uint96 amount) private {
        Provider storage provider = _providers[account];
        uint96 bonded = provider.bonded;
        if (amount > bonded) revert RegistryAmountExceedsBonded(amount, bonded);
        uint40 readyAt = uint40(block.timestamp) + _params.unbondingPeriod;
        // Cannot underflow: checked above. Cannot overflow: bonded + unbonding never exceeds the stake
        // deposited, which `stake` keeps within uint96.
        unchecked {
            provider.bonded = bonded - amount;
            provider.unbonding += amount;
        }
        _unbondingReadyAt[account] = readyAt;
        emit UnbondRequested(account, amount, provider.unbonding, readyAt);
    }

    function _setProfile(uint256 resources, bytes calldata metadataCid) private {
        if (resources.cpuCores() == 0 || resources.memoryMiB() == 0) revert RegistryInvalidResources();
        // A CIDv1 starts with its version byte 0x01.
        if (metadataCid.length < 4 || metadataCid.length > MAX_CID_LENGTH || metadataCid[0] != 0x01) {
            revert RegistryInvalidMetadataCid();
        }
        _resources[msg.sender] = resources;
        _metadataCids[msg.sender] = metadataCid;
    }

    function _setParams(RegistryParams memory params_) private {
        _requireWithin("unbondingPeriod", params_.unbondingPeriod, MIN_UNBONDING_PERIOD, MAX_UNBONDING_PERIOD);
        _requireWithin("slashBps", params_.slashBps, 1, MAX_SLASH_BPS);
        _requireWithin("jailDuration", params_.jailDuration, 0, MAX_JAIL_DURATION);
        _params = params_;
        emit RegistryParamsUpdated(params_);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert RegistryZeroAddress();
        treasury = treasury_;
        emit RegistryTreasuryUpdated(treasury_);
    }

    function _requireWithin(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert RegistryParamOutOfBounds(name, value, min, max);
    }
}
