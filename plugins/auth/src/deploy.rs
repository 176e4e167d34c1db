//! The deploy ACL: who may deploy contracts.

use weft_plugin_abi::primitives::{Address, I256, U256};
use weft_plugin_abi::{CallError, Host, HostError};

use crate::store::{self, ListMode, Put};
use crate::{
    caller_is_chain_admin, code, writable, ContractAuth, CODE_NO_AUTHORIZED, CODE_SUCCESS,
    CODE_TABLE_ERROR_AUTH_TYPE,
};

/// May `account` deploy a contract? Chain admins always may.
pub(crate) fn may_deploy(host: &mut dyn Host, account: Address) -> Result<bool, HostError> {
    if host.is_admin(account)? {
        return Ok(true);
    }
    let Some(mode) = store::deploy_type(host)? else {
        return Ok(true);
    };
    let entry = opened(store::deploy_list(mode).get(host, account)?);
    Ok(mode.allows(entry))
}

/// The `opened` flag of a list entry of the deploy and method ACLs.
pub(crate) fn opened(payload: Option<Vec<u8>>) -> Option<bool> {
    payload.map(|p| p.first() == Some(&1))
}

/// A list full at [`store::MAX_LIST_LEN`] accounts.
pub(crate) fn list_full() -> CallError {
    CallError::revert_message(&format!(
        "the list already holds {} accounts, its maximum: close or remove one first",
        store::MAX_LIST_LEN
    ))
}

pub(crate) fn deploy_type(
    host: &mut dyn Host,
    _: ContractAuth::deployTypeCall,
) -> Result<U256, CallError> {
    Ok(U256::from(
        store::deploy_type(host)?.map_or(0, ListMode::code),
    ))
}

pub(crate) fn set_deploy_auth_type(
    host: &mut dyn Host,
    call: ContractAuth::setDeployAuthTypeCall,
) -> Result<I256, CallError> {
    writable(host)?;
    if !caller_is_chain_admin(host)? {
        return Ok(code(CODE_NO_AUTHORIZED));
    }
    let mode = match call._type {
        0 => None,
        other => match ListMode::from_code(other) {
            Some(mode) => Some(mode),
            None => return Ok(code(CODE_TABLE_ERROR_AUTH_TYPE)),
        },
    };
    store::set_deploy_type(host, mode)?;
    Ok(code(CODE_SUCCESS))
}

fn set_deploy_auth(host: &mut dyn Host, account: Address, open: bool) -> Result<I256, CallError> {
    writable(host)?;
    if !caller_is_chain_admin(host)? {
        return Ok(code(CODE_NO_AUTHORIZED));
    }
    let Some(mode) = store::deploy_type(host)? else {
        return Ok(code(CODE_TABLE_ERROR_AUTH_TYPE));
    };
    match store::deploy_list(mode).put(host, account, &[u8::from(open)])? {
        Put::Full => Err(list_full()),
        Put::Inserted | Put::Updated => Ok(code(CODE_SUCCESS)),
    }
}

pub(crate) fn open_deploy_auth(
    host: &mut dyn Host,
    call: ContractAuth::openDeployAuthCall,
) -> Result<I256, CallError> {
    set_deploy_auth(host, call.account, true)
}

pub(crate) fn close_deploy_auth(
    host: &mut dyn Host,
    call: ContractAuth::closeDeployAuthCall,
) -> Result<I256, CallError> {
    set_deploy_auth(host, call.account, false)
}

pub(crate) fn has_deploy_auth(
    host: &mut dyn Host,
    call: ContractAuth::hasDeployAuthCall,
) -> Result<bool, CallError> {
    Ok(may_deploy(host, call.account)?)
}
