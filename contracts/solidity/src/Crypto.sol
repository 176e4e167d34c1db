// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.11;

/// @title CryptoUser
/// @notice Calls the hashing and signature precompiles and the KECCAK256 opcode.
contract CryptoUser {
    /// ecrecover precompile (0x01); returns address(0) for an invalid signature.
    function recover(bytes32 hash, uint8 v, bytes32 r, bytes32 s) public pure returns (address) {
        return ecrecover(hash, v, r, s);
    }

    /// SHA-256 precompile (0x02).
    function sha(bytes calldata data) public pure returns (bytes32) {
        return sha256(data);
    }

    /// KECCAK256 opcode.
    function kec(bytes calldata data) public pure returns (bytes32) {
        return keccak256(data);
    }

    /// RIPEMD-160 precompile (0x03).
    function ripemd(bytes calldata data) public pure returns (bytes20) {
        return ripemd160(data);
    }
}
