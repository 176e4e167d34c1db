// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.11;

/// @notice Calls another contract and then decides whether its own frame survives: the
/// EVM side of the cross-VM revert and nesting tests.
contract Forwarder {
    event Forwarded(address indexed target, bool ok);

    /// Calls `target` with `data`; bubbles a failure's data up; returns the call's data.
    function forward(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        emit Forwarded(target, ok);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    /// Calls `target` with `data`, requires it to succeed, then reverts with
    /// `Error("undone")`: everything the call wrote must be undone.
    function forwardThenRevert(address target, bytes calldata data) external {
        (bool ok, ) = target.call(data);
        require(ok, "inner call failed");
        emit Forwarded(target, ok);
        revert("undone");
    }

    /// CREATE (salt zero: CREATE; otherwise CREATE2) with `code` as the init code, whatever
    /// it is — EVM init code or a WASM deployment payload. Reverts if the create failed.
    function deployRaw(bytes memory code, bytes32 salt) external returns (address created) {
        if (salt == bytes32(0)) {
            assembly {
                created := create(0, add(code, 32), mload(code))
            }
        } else {
            assembly {
                created := create2(0, add(code, 32), mload(code), salt)
            }
        }
        require(created != address(0), "create failed");
    }
}
