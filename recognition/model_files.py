"""The models folder: which weight files the face engine needs, where they come from, and
whether each capability is usable. Nothing here downloads; DeepFace only fetches a file it
cannot find, and only where the internet is reachable."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

# file name -> what it is. DeepFace finds weights by these exact names.
DETECTOR = "face_detection_yunet_2023mar.onnx"
RECOGNIZER = "dlib_face_recognition_resnet_model_v1.dat"
LANDMARKS = "shape_predictor_5_face_landmarks.dat"
LIVENESS = ("2.7_80x80_MiniFASNetV2.pth", "4_0_0_80x80_MiniFASNetV1SE.pth")
# Other recognition networks DeepFace can build, by model and engine backend: the one weight
# file each needs. DeepFace downloads it on first use where the internet is reachable;
# offline, copy it into the weights folder (or the FACE_WEIGHTS_SOURCE folder).
OTHER_RECOGNIZERS = {
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
    "SFace": dict.fromkeys(
        ("pytorch", "tensorflow", "onnx"), "face_recognition_sface_2021dec.onnx"
    ),
    "GhostFaceNet": {
        "pytorch": "ghostfacenet_v1.pth",
        "tensorflow": "ghostfacenet_v1.h5",
        "onnx": "ghostfacenet_v1.onnx",
    },
}
# Python packages a model needs beyond the backend's own.
RECOGNIZER_MODULES = {"SFace": "onnxruntime"}
BACKEND_MODULES = {"pytorch": "torch", "tensorflow": "tensorflow", "onnx": "onnxruntime"}
# Shipped inside the PyPI package face_recognition_models (its __init__ imports
# pkg_resources, so the files are read from the package folder, not through its helpers).
FROM_PACKAGE = (RECOGNIZER, LANDMARKS)


def weights_dir(models_dir: Path) -> Path:
    """DeepFace reads weights from $DEEPFACE_HOME/.deepface/weights/."""
    return models_dir / ".deepface" / "weights"


def package_models_dir() -> Path | None:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    return folder if folder.is_dir() else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    action: str  # "copied", "present"


def models_install(*, models_dir: Path, source: Path | None) -> list[InstalledFile]:
    """Copy the weight files the engine uses into the models folder, where missing.

    Files come from the face_recognition_models package and from ``source`` (a folder of
    weight files, checked against its SHA256SUMS when there is one). A file that fails its
    checksum is refused, never installed.
    """
    target = weights_dir(models_dir)
    target.mkdir(parents=True, exist_ok=True)
    origins: dict[str, Path] = {}
    package = package_models_dir()
    if package:
        origins.update(
            {name: package / name for name in FROM_PACKAGE if (package / name).is_file()}
        )
    sums: dict[str, str] = {}
    if source is not None:
        sums = _expected_sums(source)
        others = {name for files in OTHER_RECOGNIZERS.values() for name in files.values()}
        for name in (DETECTOR, *LIVENESS, *FROM_PACKAGE, *sorted(others)):
            if (source / name).is_file():
                origins.setdefault(name, source / name)
    done = []
    for name, origin in sorted(origins.items()):
        destination = target / name
        if destination.is_file() and destination.stat().st_size == origin.stat().st_size:
            done.append(InstalledFile(name, str(origin), "present"))
            continue
        if name in sums and _sha256(origin) != sums[name]:
            raise ValueError(f"{origin} does not match its SHA256SUMS entry; not installed.")
        partial = destination.with_suffix(destination.suffix + ".part")
        shutil.copyfile(origin, partial)
        partial.replace(destination)  # never a half-copied weight file under the real name
        done.append(InstalledFile(name, str(origin), "copied"))
    return done


@dataclass(frozen=True)
class Capability:
    key: str  # detector, alignment, recognizer, liveness
    name: str
    usable: bool
    detail: str


def _module_missing(module: str) -> bool:
    return importlib.util.find_spec(module) is None


def resolve_detector(*, models_dir: Path, choice: str) -> str:
    """'yunet' or 'dlib': with 'auto', YuNet where its weights are installed."""
    if choice != "auto":
        return choice
    return "yunet" if (weights_dir(models_dir) / DETECTOR).is_file() else "dlib"


def recognizer_status(*, models_dir: Path, backend: str, model: str) -> Capability:
    """Whether the recognition network ``model`` can be built here, and why not."""
    folder = weights_dir(models_dir)
    if model == "Dlib":
        name, module = RECOGNIZER, "dlib"
        label = "recognizer: Dlib ResNet (128-d)"
    else:
        name = OTHER_RECOGNIZERS[model][backend]
        module = RECOGNIZER_MODULES.get(model, BACKEND_MODULES[backend])
        label = f"recognizer: {model} ({backend})"
    if not (folder / name).is_file():
        how = (
            "run manage.py models_install"
            if model == "Dlib"
            else "DeepFace downloads it on first use where the internet is reachable; "
            "offline, copy it there"
        )
        problem: str | None = f"missing {name} in {folder} ({how})"
    elif _module_missing(module):
        problem = f"{module} is not installed"
    else:
        problem = None
    return Capability("recognizer", label, problem is None, problem or str(folder / name))


def models_status(
    *, models_dir: Path, backend: str, detector: str = "auto", model: str = "Dlib"
) -> list[Capability]:
    """Each capability of the face engine: usable or not, and why."""
    folder = weights_dir(models_dir)
    detector = resolve_detector(models_dir=models_dir, choice=detector)

    def files(*names: str) -> str | None:
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            return f"missing {', '.join(missing)} in {folder} (run manage.py models_install)"
        return None

    results = []
    if detector == "yunet":
        problem = files(DETECTOR) or (
            "opencv (cv2) is not installed" if _module_missing("cv2") else None
        )
        results.append(
            Capability(
                "detector", "detector: YuNet", problem is None, problem or str(folder / DETECTOR)
            )
        )
    else:
        problem = "dlib is not installed" if _module_missing("dlib") else None
        detail = (
            "dlib's HOG detector (no weight file); install the YuNet weights for better "
            "detection of turned and small faces"
        )
        results.append(
            Capability("detector", "detector: dlib HOG", problem is None, problem or detail)
        )
    problem = files(LANDMARKS) or ("dlib is not installed" if _module_missing("dlib") else None)
    results.append(
        Capability(
            "alignment",
            "alignment: dlib 5-point face chips",
            problem is None,
            problem or str(folder / LANDMARKS),
        )
    )
    results.append(recognizer_status(models_dir=models_dir, backend=backend, model=model))
    problem = files(*LIVENESS)
    if problem is None and backend != "pytorch":
        problem = (
            f"the {backend} engine needs MiniFASNet .h5/.onnx weights; the .pth files work "
            "with ACCESSPORTAL_FACE_ENGINE_BACKEND=pytorch"
        )
    if problem is None and _module_missing("torch"):
        problem = "torch is not installed (pip install torch==2.13.0)"
    results.append(
        Capability(
            "liveness",
            "liveness: MiniFASNet (Fasnet)",
            problem is None,
            problem or ", ".join(LIVENESS),
        )
    )
    return results
