//! Per-contract permissions: admins, method ACLs, freezing.

use weft_plugin_abi::primitives::{Address, I256};
use weft_plugin_abi::{AuthRequest, CallError, Host, HostError, Verdict};

use crate::deploy::{list_full, opened};
use crate::store::{self, ListMode, Put, Status};
use crate::{
    account_string, caller_is_chain_admin, code, verdict, writable, ContractAuth,
    CODE_NO_AUTHORIZED, CODE_SUCCESS, CODE_TABLE_ERROR_AUTH_TYPE,
};

/// May the caller manage `contract`: is it the contract's admin or a chain admin?
fn may_manage(host: &mut dyn Host, contract: Address) -> Result<bool, HostError> {
    let caller = host.env().caller;
    if store::admin(host, contract)? == Some(caller) {
        return Ok(true);
    }
    caller_is_chain_admin(host)
}

/// May `account` call the method `selector` of `contract`, by its ACL alone?
fn may_call(
    host: &mut dyn Host,
    contract: Address,
    selector: [u8; 4],
    account: Address,
) -> Result<bool, HostError> {
    let Some(mode) = store::method_type(host, contract, selector)? else {
        return Ok(true);
    };
    let entry = opened(store::method_list(contract, selector, mode).get(host, account)?);
    Ok(mode.allows(entry))
}

/// The executor's question before a call.
pub(crate) fn authorize_call(
    host: &mut dyn Host,
    request: &AuthRequest,
) -> Result<Verdict, HostError> {
    if store::status(host, request.contract)? != Status::Normal {
        return Ok(Verdict::Frozen);
    }
    Ok(verdict(may_call(
        host,
        request.contract,
        request.selector,
        request.account,
    )?))
}

pub(crate) fn get_admin(
    host: &mut dyn Host,
    call: ContractAuth::getAdminCall,
) -> Result<Address, CallError> {
    Ok(store::admin(host, call.contractAddr)?.unwrap_or(Address::ZERO))
}

pub(crate) fn reset_admin(
    host: &mut dyn Host,
    call: ContractAuth::resetAdminCall,
) -> Result<I256, CallError> {
    writable(host)?;
    if !caller_is_chain_admin(host)? {
        return Ok(code(CODE_NO_AUTHORIZED));
    }
    store::set_admin(host, call.contractAddr, call.admin)?;
    Ok(code(CODE_SUCCESS))
}

pub(crate) fn set_method_auth_type(
    host: &mut dyn Host,
    call: ContractAuth::setMethodAuthTypeCall,
) -> Result<I256, CallError> {
    writable(host)?;
    if !may_manage(host, call.contractAddr)? {
        return Ok(code(CODE_NO_AUTHORIZED));
    }
    let Some(mode) = ListMode::from_code(call.authType) else {
        return Ok(code(CODE_TABLE_ERROR_AUTH_TYPE));
    };
    store::set_method_type(host, call.contractAddr, call.func.0, mode)?;
    Ok(code(CODE_SUCCESS))
}

fn set_method_auth(
    host: &mut dyn Host,
    contract: Address,
    selector: [u8; 4],
    account: Address,
    open: bool,
) -> Result<I256, CallError> {
    writable(host)?;
    if !may_manage(host, contract)? {
        return Ok(code(CODE_NO_AUTHORIZED));
    }
    let Some(mode) = store::method_type(host, contract, selector)? else {
        return Ok(code(CODE_TABLE_ERROR_AUTH_TYPE));
    };
    match store::method_list(contract, selector, mode).put(host, account, &[u8::from(open)])? {
        Put::Full => Err(list_full()),
        Put::Inserted | Put::Updated => Ok(code(CODE_SUCCESS)),
    }
}

pub(crate) fn open_method_auth(
    host: &mut dyn Host,
    call: ContractAuth::openMethodAuthCall,
) -> Result<I256, CallError> {
    set_method_auth(host, call.contractAddr, call.func.0, call.account, true)
}

pub(crate) fn close_method_auth(
    host: &mut dyn Host,
    call: ContractAuth::closeMethodAuthCall,
) -> Result<I256, CallError> {
    set_method_auth(host, call.contractAddr, call.func.0, call.account, false)
}

pub(crate) fn check_method_auth(
    host: &mut dyn Host,
    call: ContractAuth::checkMethodAuthCall,
) -> Result<bool, CallError> {
    Ok(may_call(
        host,
        call.contractAddr,
        call.func.0,
        call.account,
    )?)
}

pub(crate) fn get_method_auth(
    host: &mut dyn Host,
    call: ContractAuth::getMethodAuthCall,
) -> Result<ContractAuth::getMethodAuthReturn, CallError> {
    let mut out = ContractAuth::getMethodAuthReturn {
        authType: 0,
        accessList: Vec::new(),
        blockList: Vec::new(),
    };
    let (contract, selector) = (call.contractAddr, call.func.0);
    let Some(mode) = store::method_type(host, contract, selector)? else {
        return Ok(out);
    };
    out.authType = mode.code();
    for (account, payload) in store::method_list(contract, selector, mode).entries(host)? {
        if opened(Some(payload)) == Some(true) {
            out.accessList.push(account_string(account));
        } else {
            out.blockList.push(account_string(account));
        }
    }
    Ok(out)
}

fn set_status(host: &mut dyn Host, contract: Address, status: Status) -> Result<I256, CallError> {
    writable(host)?;
    if !may_manage(host, contract)? {
        return Ok(code(CODE_NO_AUTHORIZED));
    }
    let current = store::status(host, contract)?;
    if current == Status::Abolish && status != Status::Abolish {
        return Err(CallError::revert_message(
            "Contract already abolish, should not set any status.",
        ));
    }
    store::set_status(host, contract, status)?;
    Ok(code(CODE_SUCCESS))
}

pub(crate) fn set_contract_status_bool(
    host: &mut dyn Host,
    call: ContractAuth::setContractStatus_0Call,
) -> Result<I256, CallError> {
    let status = if call.isFreeze {
        Status::Freeze
    } else {
        Status::Normal
    };
    // FISCO 3.2+ refuses the bool form on an abolished contract even when it would
    // "freeze" it again; set_status reverts for both, since neither is abolish.
    set_status(host, call._address, status)
}

pub(crate) fn set_contract_status(
    host: &mut dyn Host,
    call: ContractAuth::setContractStatus_1Call,
) -> Result<I256, CallError> {
    let Some(status) = Status::from_code(call._status) else {
        writable(host)?;
        if !may_manage(host, call._address)? {
            return Ok(code(CODE_NO_AUTHORIZED));
        }
        return Err(CallError::revert_message("Unrecognized status type."));
    };
    set_status(host, call._address, status)
}

pub(crate) fn contract_available(
    host: &mut dyn Host,
    call: ContractAuth::contractAvailableCall,
) -> Result<bool, CallError> {
    Ok(store::status(host, call._address)? == Status::Normal)
}
