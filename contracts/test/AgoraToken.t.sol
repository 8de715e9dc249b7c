// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {AgoraToken} from "../src/AgoraToken.sol";

contract AgoraTokenTest is Test {
    AgoraToken internal token;
    address internal holder = makeAddr("holder");
    address internal delegatee = makeAddr("delegatee");

    function setUp() public {
        token = new AgoraToken(holder, 1e9 ether);
    }

    function test_fixedSupplyToRecipient() public view {
        assertEq(token.totalSupply(), 1e9 ether);
        assertEq(token.balanceOf(holder), 1e9 ether);
        assertEq(token.symbol(), "AGORA");
    }

    function test_votesFollowDelegationByTimestamp() public {
        assertEq(token.CLOCK_MODE(), "mode=timestamp");
        vm.prank(holder);
        token.delegate(delegatee);
        assertEq(token.getVotes(delegatee), 1e9 ether);
        uint256 before = block.timestamp;
        vm.warp(before + 10);
        vm.prank(holder);
        token.transfer(address(1), 1e8 ether);
        assertEq(token.getPastVotes(delegatee, before), 1e9 ether);
        assertEq(token.getVotes(delegatee), 9e8 ether);
        assertEq(token.clock(), block.timestamp);
    }

    function test_permitSetsAllowance() public {
        (address owner, uint256 key) = makeAddrAndKey("permit-owner");
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                owner,
                delegatee,
                5 ether,
                token.nonces(owner),
                block.timestamp
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        token.permit(owner, delegatee, 5 ether, block.timestamp, v, r, s);
        assertEq(token.allowance(owner, delegatee), 5 ether);
        assertEq(token.nonces(owner), 1);
    }
}
