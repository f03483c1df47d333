@echo off
rem Installs Chameleon on Windows from this folder (made by `cargo xtask bundle-windows`).
rem
rem   install.cmd          plugins for every user, in %COMMONPROGRAMFILES%\CLAP and \VST3
rem                        (run it from a command prompt opened as administrator)
rem   install.cmd /user    plugins for this user only, in %LOCALAPPDATA%\Programs\Common\CLAP
rem                        and \VST3 (no administrator rights; not every host scans there)
rem
rem Either way, ONNX Runtime (the DirectML build), the models and the factory presets go to
rem %LOCALAPPDATA%\Chameleon\,
rem and chameleon-render.exe and chameleon-standalone.exe to %LOCALAPPDATA%\Programs\Chameleon\.
setlocal EnableExtensions
rem Each step is checked with "if errorlevel 1": Wine's cmd mishandles "call ... || ...".
set "HERE=%~dp0"
set "CLAP_DIR=%COMMONPROGRAMFILES%\CLAP"
set "VST3_DIR=%COMMONPROGRAMFILES%\VST3"
if /i "%~1"=="/user" (
    set "CLAP_DIR=%LOCALAPPDATA%\Programs\Common\CLAP"
    set "VST3_DIR=%LOCALAPPDATA%\Programs\Common\VST3"
) else if not "%~1"=="" (
    echo usage: install.cmd [/user]
    exit /b 2
)
set "DATA=%LOCALAPPDATA%\Chameleon"
set "BIN=%LOCALAPPDATA%\Programs\Chameleon"

call :folder "%CLAP_DIR%"
if errorlevel 1 goto :failed
call :folder "%VST3_DIR%"
if errorlevel 1 goto :failed
call :folder "%DATA%\onnxruntime"
if errorlevel 1 goto :failed
call :folder "%DATA%\models"
if errorlevel 1 goto :failed
call :folder "%DATA%\factory-presets"
if errorlevel 1 goto :failed
call :folder "%BIN%"
if errorlevel 1 goto :failed
copy /y "%HERE%Chameleon.clap" "%CLAP_DIR%\Chameleon.clap" >nul
if errorlevel 1 goto :failed
if exist "%VST3_DIR%\Chameleon.vst3" rmdir /s /q "%VST3_DIR%\Chameleon.vst3"
xcopy /e /i /q /y "%HERE%Chameleon.vst3" "%VST3_DIR%\Chameleon.vst3" >nul
if errorlevel 1 goto :failed
if exist "%HERE%onnxruntime" (
    xcopy /i /q /y "%HERE%onnxruntime\*.dll" "%DATA%\onnxruntime\" >nul
    if errorlevel 1 goto :failed
)
xcopy /i /q /y "%HERE%models\*.onnx" "%DATA%\models\" >nul
if errorlevel 1 goto :failed
xcopy /i /q /y "%HERE%presets\*.chpreset" "%DATA%\factory-presets\" >nul
if errorlevel 1 goto :failed
if exist "%HERE%vst3-presets" (
    xcopy /e /i /q /y "%HERE%vst3-presets" "%USERPROFILE%\Documents\VST3 Presets\Chameleon Audio\Chameleon" >nul
    if errorlevel 1 goto :failed
)
if exist "%HERE%chameleon-render.exe" (
    copy /y "%HERE%chameleon-render.exe" "%BIN%\chameleon-render.exe" >nul
    if errorlevel 1 goto :failed
)
if exist "%HERE%chameleon-standalone.exe" (
    copy /y "%HERE%chameleon-standalone.exe" "%BIN%\chameleon-standalone.exe" >nul
    if errorlevel 1 goto :failed
)
echo installed %CLAP_DIR%\Chameleon.clap
echo installed %VST3_DIR%\Chameleon.vst3
echo installed ONNX Runtime, the models and the factory presets in %DATA%
echo installed the VST3 factory presets in %USERPROFILE%\Documents\VST3 Presets\Chameleon Audio\Chameleon
echo installed chameleon-render.exe and chameleon-standalone.exe in %BIN%
exit /b 0

:folder
rem Creates the folder %1 (with its parents) unless it is there; fails if it cannot.
if not exist "%~1\" mkdir "%~1" 2>nul
if exist "%~1\" exit /b 0
echo cannot create %~1
exit /b 1

:failed
echo install failed: could not write the folders above. Run it as administrator, or use
echo install.cmd /user to install for this user only.
exit /b 1
