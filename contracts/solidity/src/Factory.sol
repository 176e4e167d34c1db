// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.11;

/// @title Child
/// @notice Deployed by Factory; records its constructor argument and its deployer.
contract Child {
    uint256 public value;
    address public creator;

    constructor(uint256 v) {
        value = v;
        creator = msg.sender;
    }
}

/// @title Factory
/// @notice Deploys Child with CREATE and CREATE2, and predicts CREATE2 addresses.
contract Factory {
    event Created(address child, bool viaCreate2);

    function create(uint256 v) public returns (address) {
        Child child = new Child(v);
        emit Created(address(child), false);
        return address(child);
    }

    function create2(uint256 v, bytes32 salt) public returns (address) {
        Child child = new Child{salt: salt}(v);
        emit Created(address(child), true);
        return address(child);
    }

    function predict(uint256 v, bytes32 salt) public view returns (address) {
        bytes32 initCodeHash = keccak256(abi.encodePacked(type(Child).creationCode, abi.encode(v)));
        bytes32 digest = keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, initCodeHash));
        return address(uint160(uint256(digest)));
    }
}
