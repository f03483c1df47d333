//! The host's own COM objects that a plugin talks to: the host context (`IHostApplication`) and
//! the component handler (`IComponentHandler`, `IComponentHandler2`), which records each call.

use std::ffi::{c_void, CStr};
use std::sync::Mutex;
use std::thread::ThreadId;

use vst3::Steinberg::Vst::{
    IComponentHandler, IComponentHandler2, IComponentHandler2Trait, IComponentHandlerTrait,
    IHostApplication, IHostApplicationTrait, ParamID, ParamValue, String128,
};
use vst3::Steinberg::{
    kInvalidArgument, kNoInterface, kResultOk, tresult, FIDString, FUnknown, TBool, TUID,
};
use vst3::{Class, ComWrapper};

use crate::text::to_utf16;

/// The name the host gives itself.
pub const HOST_NAME: &str = "Chameleon VST3 test host";

/// The host context handed to `initialize`: a name, and no objects to create.
pub struct HostContext;

impl Class for HostContext {
    type Interfaces = (IHostApplication,);
}

impl IHostApplicationTrait for HostContext {
    unsafe fn getName(&self, name: *mut String128) -> tresult {
        // SAFETY: the caller passes a writable `String128` or null.
        match unsafe { name.as_mut() } {
            Some(name) => {
                to_utf16(HOST_NAME, name);
                kResultOk
            }
            None => kInvalidArgument,
        }
    }

    unsafe fn createInstance(
        &self,
        _cid: *mut TUID,
        _iid: *mut TUID,
        obj: *mut *mut c_void,
    ) -> tresult {
        // SAFETY: the caller passes a writable pointer or null.
        if let Some(obj) = unsafe { obj.as_mut() } {
            *obj = std::ptr::null_mut();
        }
        kNoInterface
    }
}

/// The host context as the `FUnknown` that `initialize` and `setHostContext` take. The
/// wrapper keeps the object alive; the plugin takes its own reference if it keeps one.
pub fn context_ptr(host: &ComWrapper<HostContext>) -> *mut FUnknown {
    host.as_com_ref::<IHostApplication>()
        .map_or(std::ptr::null_mut(), |h| h.as_ptr() as *mut FUnknown)
}

/// A call the plugin made on the component handler.
#[derive(Debug, Clone, PartialEq)]
pub enum HandlerCall {
    /// `beginEdit(id)`.
    BeginEdit(ParamID),
    /// `performEdit(id, normalized value)`.
    PerformEdit(ParamID, ParamValue),
    /// `endEdit(id)`.
    EndEdit(ParamID),
    /// `restartComponent(flags)`.
    Restart(i32),
    /// `setDirty(state)`.
    SetDirty(bool),
    /// `requestOpenEditor(name)`.
    RequestOpenEditor(String),
    /// `startGroupEdit()`.
    StartGroupEdit,
    /// `finishGroupEdit()`.
    FinishGroupEdit,
}

/// The component handler: records every call, and which of them came on a thread other than
/// the host's main thread (where VST3 wants them).
pub struct ComponentHandler {
    main: ThreadId,
    calls: Mutex<Vec<HandlerCall>>,
    off_main: Mutex<Vec<HandlerCall>>,
}

impl ComponentHandler {
    /// A handler whose main thread is the calling thread.
    pub fn new() -> Self {
        Self {
            main: std::thread::current().id(),
            calls: Mutex::new(Vec::new()),
            off_main: Mutex::new(Vec::new()),
        }
    }

    /// The calls made so far.
    pub fn calls(&self) -> Vec<HandlerCall> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// The calls made on another thread than the main thread.
    pub fn off_main(&self) -> Vec<HandlerCall> {
        self.off_main.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn record(&self, call: HandlerCall) -> tresult {
        if std::thread::current().id() != self.main {
            if let Ok(mut off) = self.off_main.lock() {
                off.push(call.clone());
            }
        }
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(call);
        }
        kResultOk
    }
}

impl Default for ComponentHandler {
    fn default() -> Self {
        Self::new()
    }
}

impl Class for ComponentHandler {
    type Interfaces = (IComponentHandler, IComponentHandler2);
}

impl IComponentHandlerTrait for ComponentHandler {
    unsafe fn beginEdit(&self, id: ParamID) -> tresult {
        self.record(HandlerCall::BeginEdit(id))
    }

    unsafe fn performEdit(&self, id: ParamID, value: ParamValue) -> tresult {
        self.record(HandlerCall::PerformEdit(id, value))
    }

    unsafe fn endEdit(&self, id: ParamID) -> tresult {
        self.record(HandlerCall::EndEdit(id))
    }

    unsafe fn restartComponent(&self, flags: i32) -> tresult {
        self.record(HandlerCall::Restart(flags))
    }
}

impl IComponentHandler2Trait for ComponentHandler {
    unsafe fn setDirty(&self, state: TBool) -> tresult {
        self.record(HandlerCall::SetDirty(state != 0))
    }

    unsafe fn requestOpenEditor(&self, name: FIDString) -> tresult {
        let name = if name.is_null() {
            String::new()
        } else {
            // SAFETY: a non-null `FIDString` is NUL-terminated.
            unsafe { CStr::from_ptr(name) }
                .to_string_lossy()
                .into_owned()
        };
        self.record(HandlerCall::RequestOpenEditor(name))
    }

    unsafe fn startGroupEdit(&self) -> tresult {
        self.record(HandlerCall::StartGroupEdit)
    }

    unsafe fn finishGroupEdit(&self) -> tresult {
        self.record(HandlerCall::FinishGroupEdit)
    }
}
