"""``agents.tool``: function tools and what they may return.

Only function tools run in handoff_nb's own runner; the SDK's hosted tools (web/file search,
computer, code interpreter, MCP ...) are stand-ins that raise UserError naming the SDK engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict, Union

from .not_mirrored import stand_in
from .tool_use import FunctionToolResult, StopAtTools, ToolsToFinalOutputFunction, ToolsToFinalOutputResult
from .tool_timeout import default_tool_timeout_error_message, invoke_function_tool
from .tools import (FunctionTool, default_tool_error_function, function_tool,
                    maybe_invoke_function_tool_failure_error_function,
                    resolve_function_tool_failure_error_function)

Tool = FunctionTool
"""The tools handoff_nb's runner runs: function tools."""


@dataclass
class ToolOutputText:
    text: str
    type: Literal["text"] = "text"


class ToolOutputTextDict(TypedDict, total=False):
    type: Literal["text"]
    text: str


@dataclass
class ToolOutputImage:
    image_url: str | None = None
    file_id: str | None = None
    detail: Literal["low", "high", "auto"] | None = None
    type: Literal["image"] = "image"


class ToolOutputImageDict(TypedDict, total=False):
    type: Literal["image"]
    image_url: str
    file_id: str
    detail: Literal["low", "high", "auto"]


@dataclass
class ToolOutputFileContent:
    file_data: str | None = None
    file_url: str | None = None
    file_id: str | None = None
    filename: str | None = None
    type: Literal["file"] = "file"


ToolOutput = Union[str, ToolOutputText, ToolOutputImage, ToolOutputFileContent]

WebSearchTool = stand_in("WebSearchTool", "hosted tools (WebSearchTool)")
FileSearchTool = stand_in("FileSearchTool", "hosted tools (FileSearchTool)")
ComputerTool = stand_in("ComputerTool", "hosted tools (ComputerTool)")
CodeInterpreterTool = stand_in("CodeInterpreterTool", "hosted tools (CodeInterpreterTool)")
ImageGenerationTool = stand_in("ImageGenerationTool", "hosted tools (ImageGenerationTool)")
HostedMCPTool = stand_in("HostedMCPTool", "MCP tools (HostedMCPTool)")
LocalShellTool = stand_in("LocalShellTool", "hosted tools (LocalShellTool)")
ShellTool = stand_in("ShellTool", "hosted tools (ShellTool)")

__all__ = ["CodeInterpreterTool", "ComputerTool", "FileSearchTool", "FunctionTool",
           "FunctionToolResult", "HostedMCPTool", "ImageGenerationTool", "LocalShellTool",
           "ShellTool", "StopAtTools", "Tool", "ToolOutput", "ToolOutputFileContent",
           "ToolOutputImage", "ToolOutputImageDict", "ToolOutputText", "ToolOutputTextDict",
           "ToolsToFinalOutputFunction", "ToolsToFinalOutputResult", "WebSearchTool",
           "default_tool_error_function", "default_tool_timeout_error_message", "function_tool",
           "invoke_function_tool", "maybe_invoke_function_tool_failure_error_function",
           "resolve_function_tool_failure_error_function"]


