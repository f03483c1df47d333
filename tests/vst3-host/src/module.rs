//! A `.vst3` bundle loaded as a Linux host loads it: the bundle's `x86_64-linux` library opened
//! with `dlopen`, `ModuleEntry` called, the factory taken from `GetPluginFactory`, and on drop
//! the factory released, `ModuleExit` called and the library closed.

use std::ffi::{c_void, CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use vst3::Steinberg::{
    kResultOk, IPluginFactory, IPluginFactory3, IPluginFactory3Trait, IPluginFactoryTrait,
    PClassInfo, TUID,
};
use vst3::{ComPtr, ComWrapper, Interface};

use crate::host::{context_ptr, HostContext};
use crate::text::from_c_chars;

/// The category of an audio processor class (`kVstAudioEffectClass`).
pub const AUDIO_EFFECT_CLASS: &str = "Audio Module Class";
/// The category of an edit controller class (`kVstComponentControllerClass`).
pub const CONTROLLER_CLASS: &str = "Component Controller Class";

/// One class the factory lists.
#[derive(Clone)]
pub struct ClassInfo {
    /// The class ID.
    pub cid: TUID,
    /// Its category, e.g. [`AUDIO_EFFECT_CLASS`].
    pub category: String,
    /// Its name.
    pub name: String,
}

/// A loaded plugin library and its factory.
pub struct Module {
    handle: *mut c_void,
    /// Whether `ModuleEntry` succeeded (and `ModuleExit` is due).
    entered: bool,
    factory: Option<ComPtr<IPluginFactory>>,
    /// The library file that was opened.
    pub library: PathBuf,
}

type ModuleEntry = unsafe extern "C" fn(*mut c_void) -> bool;
type ModuleExit = unsafe extern "C" fn() -> bool;
type GetPluginFactory = unsafe extern "system" fn() -> *mut c_void;

/// The library inside a bundle (`NAME.vst3/Contents/x86_64-linux/NAME.so`), or `path` itself if
/// it is a file.
pub fn library_path(path: &Path) -> Result<PathBuf, String> {
    if path.is_file() {
        return Ok(path.to_owned());
    }
    let stem = path
        .file_stem()
        .ok_or_else(|| format!("{} has no file name", path.display()))?;
    let mut name = stem.to_owned();
    name.push(".so");
    let library = path.join("Contents").join("x86_64-linux").join(name);
    if library.is_file() {
        Ok(library)
    } else {
        Err(format!("no {}", library.display()))
    }
}

fn dl_error() -> String {
    // SAFETY: `dlerror` returns null or a NUL-terminated string valid until the next dl call.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "unknown dlopen error".into()
    } else {
        // SAFETY: checked non-null above; NUL-terminated by contract.
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

impl Module {
    /// Opens the bundle's library and calls its entry point.
    pub fn load(bundle: &Path) -> Result<Self, String> {
        let library = library_path(bundle)?;
        let c_path = CString::new(library.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
        // SAFETY: opening the library runs its initialisers; this is the plugin under test.
        let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(format!("dlopen {}: {}", library.display(), dl_error()));
        }
        let mut module = Self {
            handle,
            entered: false,
            factory: None,
            library,
        };
        let entry = module
            .symbol(c"ModuleEntry")
            .ok_or("the library exports no ModuleEntry")?;
        // SAFETY: `ModuleEntry` has this signature on Linux (the SDK's `linuxmain.cpp`); it is
        // given the library's handle, as the SDK's hosts do.
        let entered = unsafe {
            let entry: ModuleEntry = std::mem::transmute(entry);
            entry(handle)
        };
        if !entered {
            return Err("ModuleEntry returned false".into());
        }
        module.entered = true;
        let get = module
            .symbol(c"GetPluginFactory")
            .ok_or("the library exports no GetPluginFactory")?;
        // SAFETY: `GetPluginFactory` takes nothing and returns an `IPluginFactory` with one
        // reference for the caller, which the `ComPtr` takes over.
        let factory = unsafe {
            let get: GetPluginFactory = std::mem::transmute(get);
            ComPtr::from_raw(get() as *mut IPluginFactory)
        };
        module.factory = Some(factory.ok_or("GetPluginFactory returned null")?);
        Ok(module)
    }

    fn symbol(&self, name: &CStr) -> Option<*mut c_void> {
        // SAFETY: `self.handle` is an open library handle; `name` is NUL-terminated.
        let p = unsafe { libc::dlsym(self.handle, name.as_ptr()) };
        (!p.is_null()).then_some(p)
    }

    /// The factory.
    pub fn factory(&self) -> &ComPtr<IPluginFactory> {
        self.factory
            .as_ref()
            .expect("the factory lives as long as the module")
    }

    /// Hands the factory the host's context, if it is an `IPluginFactory3`. Returns whether it
    /// took it (`None` if the factory is an older one).
    pub fn set_host_context(&self, host: &ComWrapper<HostContext>) -> Option<bool> {
        let f3 = self.factory().cast::<IPluginFactory3>()?;
        // SAFETY: the context object is alive (`host` holds it); the factory takes its own
        // reference if it keeps one.
        Some(unsafe { f3.setHostContext(context_ptr(host)) } == kResultOk)
    }

    /// The classes the factory lists.
    pub fn classes(&self) -> Vec<ClassInfo> {
        let factory = self.factory();
        // SAFETY: a plain call on the live factory.
        let n = unsafe { factory.countClasses() };
        (0..n)
            .filter_map(|i| {
                // SAFETY: `PClassInfo` is plain data; the factory fills it in.
                let mut info: PClassInfo = unsafe { std::mem::zeroed() };
                // SAFETY: `info` is valid for writes for the call.
                (unsafe { factory.getClassInfo(i, &mut info) } == kResultOk).then(|| ClassInfo {
                    cid: info.cid,
                    category: from_c_chars(&info.category),
                    name: from_c_chars(&info.name),
                })
            })
            .collect()
    }

    /// Creates an instance of class `cid` and asks it for interface `I`.
    pub fn create<I: Interface>(&self, cid: &TUID) -> Result<ComPtr<I>, String> {
        let mut obj = std::ptr::null_mut();
        // SAFETY: `cid` and the IID are 16-byte IDs; `obj` receives an object with one
        // reference for the caller, which the `ComPtr` takes over.
        let result = unsafe {
            self.factory()
                .createInstance(cid.as_ptr(), I::IID.as_ptr() as *const _, &mut obj)
        };
        if result != kResultOk {
            return Err(format!("createInstance returned {result}"));
        }
        // SAFETY: on success `obj` points to an `I` that the caller owns one reference of.
        unsafe { ComPtr::from_raw(obj as *mut I) }.ok_or_else(|| "createInstance gave null".into())
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        self.factory = None;
        if let Some(exit) = self.symbol(c"ModuleExit").filter(|_| self.entered) {
            // SAFETY: `ModuleExit` has this signature on Linux; every object of the library
            // the host held has been released by now.
            unsafe {
                let exit: ModuleExit = std::mem::transmute(exit);
                exit();
            }
        }
        // SAFETY: the handle came from `dlopen` and nothing of the library is used after this.
        unsafe { libc::dlclose(self.handle) };
    }
}
