// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.11;

/// @notice FISCO BCOS's group signature precompile at 0x5004 (Weft's `group-sig` plugin):
/// BBS04 group signatures. `code` is 0 exactly when `valid`; -51700 means well formed but
/// not valid, -51701 … -51799 malformed input, -50101 an unknown method.
interface GroupSigPrecompiled {
    function groupSigVerify(
        string memory signature,
        string memory message,
        string memory gpkInfo,
        string memory paramInfo
    ) external view returns (int32, bool);
}

/// @notice FISCO BCOS's ring signature precompile at 0x5005 (Weft's `ring-sig` plugin):
/// linkable ring signatures. `code` is 0 exactly when `valid`; -51800 means well formed but
/// not valid, -51801 … -51899 malformed input, -50101 an unknown method.
interface RingSigPrecompiled {
    function ringSigVerify(
        string memory signature,
        string memory message,
        string memory paramInfo
    ) external view returns (int32, bool);
}

/// @title SigVerifier
/// @notice Verifies group and ring signatures through the privacy precompiles, in a call
/// (`check*`, view) or in a transaction that records the outcome (`verify*`: stored in
/// `lastCode`/`lastValid`, counted in `accepted` when valid, and logged).
contract SigVerifier {
    GroupSigPrecompiled constant GROUP_SIG = GroupSigPrecompiled(address(0x5004));
    RingSigPrecompiled constant RING_SIG = RingSigPrecompiled(address(0x5005));

    /// The code of the last `verify*` transaction.
    int32 public lastCode;
    /// Whether the signature of the last `verify*` transaction was valid.
    bool public lastValid;
    /// How many `verify*` transactions carried a valid signature.
    uint256 public accepted;

    event GroupSigVerified(address indexed sender, int32 code, bool valid, string message);
    event RingSigVerified(address indexed sender, int32 code, bool valid, string message);

    /// Check a group signature without a transaction.
    function checkGroupSig(
        string memory signature,
        string memory message,
        string memory gpkInfo,
        string memory paramInfo
    ) public view returns (int32 code, bool valid) {
        return GROUP_SIG.groupSigVerify(signature, message, gpkInfo, paramInfo);
    }

    /// Check a ring signature without a transaction.
    function checkRingSig(
        string memory signature,
        string memory message,
        string memory paramInfo
    ) public view returns (int32 code, bool valid) {
        return RING_SIG.ringSigVerify(signature, message, paramInfo);
    }

    /// Verify a group signature and record the outcome.
    function verifyGroupSig(
        string memory signature,
        string memory message,
        string memory gpkInfo,
        string memory paramInfo
    ) public returns (int32 code, bool valid) {
        (code, valid) = GROUP_SIG.groupSigVerify(signature, message, gpkInfo, paramInfo);
        record(code, valid);
        emit GroupSigVerified(msg.sender, code, valid, message);
    }

    /// Verify a ring signature and record the outcome.
    function verifyRingSig(
        string memory signature,
        string memory message,
        string memory paramInfo
    ) public returns (int32 code, bool valid) {
        (code, valid) = RING_SIG.ringSigVerify(signature, message, paramInfo);
        record(code, valid);
        emit RingSigVerified(msg.sender, code, valid, message);
    }

    function record(int32 code, bool valid) private {
        lastCode = code;
        lastValid = valid;
        if (valid) {
            accepted += 1;
        }
    }
}
