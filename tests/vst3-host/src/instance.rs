//! One plugin instance as a host holds it: the audio processor component, its edit controller
//! (the same object, or a separate one connected to it), the host's component handler, and
//! audio processed in line with parameter changes.

use vst3::Steinberg::Vst::{
    AudioBusBuffers, AudioBusBuffers__type0, BusDirections_, IAudioProcessor, IAudioProcessorTrait,
    IComponent, IComponentHandler, IComponentTrait, IConnectionPoint, IConnectionPointTrait,
    IEditController, IEditControllerTrait, IParamValueQueue, IParamValueQueueTrait,
    IParameterChanges, IParameterChangesTrait, MediaTypes_, ParamID, ParamValue, ParameterInfo,
    ProcessData, ProcessModes_, ProcessSetup, SpeakerArr, SymbolicSampleSizes_,
};
use vst3::Steinberg::{
    kInvalidArgument, kResultFalse, kResultOk, tresult, IBStream, IPluginBaseTrait, TUID,
};
use vst3::{Class, ComPtr, ComWrapper};

use crate::host::{context_ptr, ComponentHandler, HostContext};
use crate::module::{Module, AUDIO_EFFECT_CLASS};
use crate::text::from_utf16;

/// One parameter as the controller lists it.
#[derive(Debug, Clone)]
pub struct Param {
    /// The parameter ID.
    pub id: ParamID,
    /// Its title.
    pub title: String,
    /// Its default, normalized (0 to 1).
    pub default: ParamValue,
}

/// How the edit controller was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControllerKind {
    /// The component itself answers `queryInterface(IEditController)`.
    SameObject,
    /// A separate class (`getControllerClassId`), initialised and connected to the component.
    Separate,
}

/// A plugin instance.
pub struct Instance {
    /// The audio processor class's name.
    pub name: String,
    /// The component.
    pub component: ComPtr<IComponent>,
    /// Its audio processor interface.
    pub processor: ComPtr<IAudioProcessor>,
    /// The edit controller.
    pub controller: ComPtr<IEditController>,
    /// How the controller was found.
    pub kind: ControllerKind,
    /// The host's component handler, set on the controller.
    pub handler: ComWrapper<ComponentHandler>,
    active: bool,
    processing: bool,
    block: usize,
}

fn connect(a: &ComPtr<IComponent>, b: &ComPtr<IEditController>) -> Result<(), String> {
    let (Some(pa), Some(pb)) = (a.cast::<IConnectionPoint>(), b.cast::<IConnectionPoint>()) else {
        return Err("a separate controller without IConnectionPoint on both sides".into());
    };
    // SAFETY: both connection points are live; each keeps the other until `disconnect`.
    let (ra, rb) = unsafe { (pa.connect(pb.as_ptr()), pb.connect(pa.as_ptr())) };
    if ra == kResultOk && rb == kResultOk {
        Ok(())
    } else {
        Err(format!("connect returned {ra} and {rb}"))
    }
}

impl Instance {
    /// Creates the factory's audio processor class, initialises it with the host context, finds
    /// its edit controller and sets the component handler on it.
    pub fn new(module: &Module, host: &ComWrapper<HostContext>) -> Result<Self, String> {
        let class = module
            .classes()
            .into_iter()
            .find(|c| c.category == AUDIO_EFFECT_CLASS)
            .ok_or("the factory lists no audio processor class")?;
        let component: ComPtr<IComponent> = module.create(&class.cid)?;
        let context = context_ptr(host);
        // SAFETY: `context` is the host's live context object.
        let r = unsafe { component.initialize(context) };
        if r != kResultOk {
            return Err(format!("IComponent::initialize returned {r}"));
        }
        let processor = component
            .cast::<IAudioProcessor>()
            .ok_or("the component has no IAudioProcessor")?;
        let (controller, kind) = match component.cast::<IEditController>() {
            Some(c) => (c, ControllerKind::SameObject),
            None => {
                let mut cid: TUID = [0; 16];
                // SAFETY: `cid` is a writable 16-byte ID.
                if unsafe { component.getControllerClassId(&mut cid) } != kResultOk {
                    return Err("no IEditController and no controller class ID".into());
                }
                let controller: ComPtr<IEditController> = module.create(&cid)?;
                // SAFETY: as for the component.
                let r = unsafe { controller.initialize(context) };
                if r != kResultOk {
                    return Err(format!("IEditController::initialize returned {r}"));
                }
                connect(&component, &controller)?;
                (controller, ControllerKind::Separate)
            }
        };
        let handler = ComWrapper::new(ComponentHandler::new());
        let handler_ptr = handler
            .as_com_ref::<IComponentHandler>()
            .map_or(std::ptr::null_mut(), |h| h.as_ptr());
        // SAFETY: the handler outlives the controller's use of it: `Drop` unsets it first.
        let r = unsafe { controller.setComponentHandler(handler_ptr) };
        if r != kResultOk {
            return Err(format!("setComponentHandler returned {r}"));
        }
        Ok(Self {
            name: class.name,
            component,
            processor,
            controller,
            kind,
            handler,
            active: false,
            processing: false,
            block: 0,
        })
    }

    /// The controller's parameters.
    pub fn params(&self) -> Vec<Param> {
        // SAFETY: plain calls on the live controller; `info` is plain data it fills in.
        unsafe {
            let n = self.controller.getParameterCount();
            (0..n)
                .filter_map(|i| {
                    let mut info: ParameterInfo = std::mem::zeroed();
                    (self.controller.getParameterInfo(i, &mut info) == kResultOk).then(|| Param {
                        id: info.id,
                        title: from_utf16(&info.title),
                        default: info.defaultNormalizedValue,
                    })
                })
                .collect()
        }
    }

    /// The controller's normalized value of parameter `id`.
    pub fn param(&self, id: ParamID) -> ParamValue {
        // SAFETY: a plain call on the live controller.
        unsafe { self.controller.getParamNormalized(id) }
    }

    /// Sets parameter `id` on the controller, as a host does for automation and its own
    /// controls.
    pub fn set_param(&self, id: ParamID, value: ParamValue) -> tresult {
        // SAFETY: a plain call on the live controller.
        unsafe { self.controller.setParamNormalized(id, value) }
    }

    /// The component's state, as a host saves it into a project (`IComponent::getState`).
    pub fn save_state(&self) -> Result<Vec<u8>, String> {
        let stream = crate::stream::MemoryStream::new();
        let ptr = stream.to_com_ptr::<IBStream>().ok_or("no IBStream")?;
        // SAFETY: a plain call on the live component with a live stream it may write to.
        let r = unsafe { self.component.getState(ptr.as_ptr()) };
        if r != kResultOk {
            return Err(format!("getState returned {r}"));
        }
        Ok(stream.bytes())
    }

    /// Loads `bytes` as a host opens a project: `IComponent::setState`, then the same bytes
    /// through `IEditController::setComponentState`.
    pub fn load_state(&self, bytes: &[u8]) -> Result<(), String> {
        for target in ["component", "controller"] {
            let stream = crate::stream::MemoryStream::with_bytes(bytes.to_vec());
            let ptr = stream.to_com_ptr::<IBStream>().ok_or("no IBStream")?;
            // SAFETY: plain calls on the live component and controller with a live stream.
            let r = unsafe {
                if target == "component" {
                    self.component.setState(ptr.as_ptr())
                } else {
                    self.controller.setComponentState(ptr.as_ptr())
                }
            };
            if r != kResultOk {
                return Err(format!("{target} setState returned {r}"));
            }
        }
        Ok(())
    }

    /// Activates the main stereo buses, sets up processing at `rate` Hz and blocks of `block`
    /// samples, activates the component and starts processing.
    pub fn start(&mut self, rate: f64, block: usize) -> Result<(), String> {
        let audio = MediaTypes_::kAudio as i32;
        // SAFETY: plain calls on the live component and processor; the arrangement arrays and
        // the setup struct are valid for each call.
        unsafe {
            for dir in [BusDirections_::kInput, BusDirections_::kOutput] {
                if self.component.getBusCount(audio, dir as i32) > 0 {
                    self.component.activateBus(audio, dir as i32, 0, 1);
                }
            }
            let mut ins = [SpeakerArr::kStereo];
            let mut outs = [SpeakerArr::kStereo];
            let r = self
                .processor
                .setBusArrangements(ins.as_mut_ptr(), 1, outs.as_mut_ptr(), 1);
            if r != kResultOk {
                return Err(format!("setBusArrangements(stereo, stereo) returned {r}"));
            }
            let mut setup = ProcessSetup {
                processMode: ProcessModes_::kRealtime as i32,
                symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
                maxSamplesPerBlock: block as i32,
                sampleRate: rate,
            };
            let r = self.processor.setupProcessing(&mut setup);
            if r != kResultOk {
                return Err(format!("setupProcessing returned {r}"));
            }
            let r = self.component.setActive(1);
            if r != kResultOk {
                return Err(format!("setActive(true) returned {r}"));
            }
            self.active = true;
        }
        self.block = block;
        let r = self.set_processing(true);
        if r != kResultOk {
            return Err(format!("setProcessing(true) returned {r}"));
        }
        Ok(())
    }

    /// Starts or stops processing (the component stays active).
    pub fn set_processing(&mut self, on: bool) -> tresult {
        // SAFETY: a plain call on the live processor.
        let r = unsafe { self.processor.setProcessing(u8::from(on)) };
        self.processing = on && r == kResultOk;
        r
    }

    /// Whether the instance is processing.
    pub fn processing(&self) -> bool {
        self.processing
    }

    /// Processes one block of `input` on both channels, with `changes` (parameter ID and
    /// normalized value, at the block's first sample) as input parameter changes. Returns the
    /// left output channel.
    pub fn process(&mut self, input: &[f32], changes: &[(ParamID, ParamValue)]) -> Vec<f32> {
        let n = input.len().min(self.block);
        let mut in_l = input[..n].to_vec();
        let mut in_r = input[..n].to_vec();
        let mut out_l = vec![0.0f32; n];
        let mut out_r = vec![0.0f32; n];
        let mut in_ptrs = [in_l.as_mut_ptr(), in_r.as_mut_ptr()];
        let mut out_ptrs = [out_l.as_mut_ptr(), out_r.as_mut_ptr()];
        let mut inputs = AudioBusBuffers {
            numChannels: 2,
            silenceFlags: 0,
            __field0: AudioBusBuffers__type0 {
                channelBuffers32: in_ptrs.as_mut_ptr(),
            },
        };
        let mut outputs = AudioBusBuffers {
            numChannels: 2,
            silenceFlags: 0,
            __field0: AudioBusBuffers__type0 {
                channelBuffers32: out_ptrs.as_mut_ptr(),
            },
        };
        let queues: Vec<ComWrapper<ParamQueue>> = changes
            .iter()
            .map(|&(id, value)| {
                ComWrapper::new(ParamQueue {
                    id,
                    points: vec![(0, value)],
                })
            })
            .collect();
        let changes = ComWrapper::new(ParamChanges { queues });
        let changes_ptr = changes
            .as_com_ref::<IParameterChanges>()
            .map_or(std::ptr::null_mut(), |c| c.as_ptr());
        let mut data = ProcessData {
            processMode: ProcessModes_::kRealtime as i32,
            symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
            numSamples: n as i32,
            numInputs: 1,
            numOutputs: 1,
            inputs: &mut inputs,
            outputs: &mut outputs,
            inputParameterChanges: changes_ptr,
            outputParameterChanges: std::ptr::null_mut(),
            inputEvents: std::ptr::null_mut(),
            outputEvents: std::ptr::null_mut(),
            processContext: std::ptr::null_mut(),
        };
        // SAFETY: every pointer in `data` points to buffers and objects that live until the
        // call returns: two channels of `n` samples in and out, and the parameter changes.
        unsafe { self.processor.process(&mut data) };
        drop(changes);
        out_l
    }

    /// Stops processing and deactivates the component, if it is active.
    pub fn stop(&mut self) {
        if self.processing {
            self.set_processing(false);
        }
        if self.active {
            // SAFETY: a plain call on the live component.
            unsafe { self.component.setActive(0) };
            self.active = false;
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.stop();
        // SAFETY: plain calls on the live objects, in the order the SDK's hosts use: the
        // controller lets go of the handler and the connection, then each side terminates.
        unsafe {
            self.controller.setComponentHandler(std::ptr::null_mut());
            if self.kind == ControllerKind::Separate {
                if let (Some(pa), Some(pb)) = (
                    self.component.cast::<IConnectionPoint>(),
                    self.controller.cast::<IConnectionPoint>(),
                ) {
                    pa.disconnect(pb.as_ptr());
                    pb.disconnect(pa.as_ptr());
                }
                self.controller.terminate();
            }
            self.component.terminate();
        }
    }
}

/// One parameter's changes in a block (input only).
struct ParamQueue {
    id: ParamID,
    /// Sample offset and normalized value of each point.
    points: Vec<(i32, ParamValue)>,
}

impl Class for ParamQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for ParamQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }

    unsafe fn getPointCount(&self) -> i32 {
        self.points.len() as i32
    }

    unsafe fn getPoint(
        &self,
        index: i32,
        sample_offset: *mut i32,
        value: *mut ParamValue,
    ) -> tresult {
        let Some(&(offset, v)) = usize::try_from(index).ok().and_then(|i| self.points.get(i))
        else {
            return kInvalidArgument;
        };
        // SAFETY: the caller passes writable pointers or null.
        unsafe {
            if let Some(o) = sample_offset.as_mut() {
                *o = offset;
            }
            if let Some(out) = value.as_mut() {
                *out = v;
            }
        }
        kResultOk
    }

    unsafe fn addPoint(&self, _offset: i32, _value: ParamValue, _index: *mut i32) -> tresult {
        kResultFalse
    }
}

/// A block's input parameter changes.
struct ParamChanges {
    queues: Vec<ComWrapper<ParamQueue>>,
}

impl Class for ParamChanges {
    type Interfaces = (IParameterChanges,);
}

impl IParameterChangesTrait for ParamChanges {
    unsafe fn getParameterCount(&self) -> i32 {
        self.queues.len() as i32
    }

    unsafe fn getParameterData(&self, index: i32) -> *mut IParamValueQueue {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.queues.get(i))
            .and_then(|q| q.as_com_ref::<IParamValueQueue>())
            .map_or(std::ptr::null_mut(), |q| q.as_ptr())
    }

    unsafe fn addParameterData(
        &self,
        _id: *const ParamID,
        _index: *mut i32,
    ) -> *mut IParamValueQueue {
        std::ptr::null_mut()
    }
}
