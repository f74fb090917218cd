"""Smart-encoding look-alike map (generated; do not edit by hand).

Source: Appendix B of the smskit design note on encoding, which lists the
271 entries of sms-segments-calculator 1.3.0 (src/libs/SmartEncodingMap.ts),
the public calculator of Twilio's Smart Encoding. Regenerate with
tests/encoding/regenerate_data.py.
"""

from __future__ import annotations

from typing import Final

__all__ = ["SMART_ENCODING_MAP"]

# Code point -> replacement ('' deletes the character).
SMART_ENCODING_MAP: Final[dict[str, str]] = {
    "\u0000": "",  # Null
    "\u0003": "",  # End Of Text
    "\u0004": "",  # End Of Transmission
    "\u0009": "       ",  # Character Tabulation
    "\u0010": "",  # Data Link Escape
    "\u0011": "",  # Device Control One
    "\u0012": "",  # Device Control Two
    "\u0013": "",  # Device Control Three
    "\u0014": "",  # Device Control Four
    "\u0017": "",  # End Of Transmission Block
    "\u0019": "",  # End Of Medium
    "`": "'",  # Grave Accent
    "\u0080": "  ",  # <C1 control 0080>
    "\u008d": "  ",  # Reverse Line Feed
    "\u0090": "  ",  # Device Control String
    "\u009b": "  ",  # Control Sequence Introducer
    "\u009f": "  ",  # Application Program Command
    "\u00a0": "  ",  # No-Break Space
    "\u00ab": "\u0022",  # Left-Pointing Double Angle Quotation Mark
    "\u00b4": "'",  # Acute Accent
    "\u00bb": "\u0022",  # Right-Pointing Double Angle Quotation Mark
    "\u00bc": "1/4",  # Vulgar Fraction One Quarter
    "\u00bd": "1/2",  # Vulgar Fraction One Half
    "\u00be": "3/4",  # Vulgar Fraction Three Quarters
    "\u00f7": "/",  # Division Sign
    "\u01c3": "!",  # Latin Letter Retroflex Click
    "\u0262": "G",  # Latin Letter Small Capital G
    "\u026a": "I",  # Latin Letter Small Capital I
    "\u0274": "N",  # Latin Letter Small Capital N
    "\u0280": "R",  # Latin Letter Small Capital R
    "\u028f": "Y",  # Latin Letter Small Capital Y
    "\u0299": "B",  # Latin Letter Small Capital B
    "\u029c": "H",  # Latin Letter Small Capital H
    "\u029f": "L",  # Latin Letter Small Capital L
    "\u02b9": "'",  # Modifier Letter Prime
    "\u02ba": "\u0022",  # Modifier Letter Double Prime
    "\u02bb": "'",  # Modifier Letter Turned Comma
    "\u02bc": "'",  # Modifier Letter Apostrophe
    "\u02bd": "'",  # Modifier Letter Reversed Comma
    "\u02c6": "^",  # Modifier Letter Circumflex Accent
    "\u02c8": "'",  # Modifier Letter Vertical Line
    "\u02ca": "'",  # Modifier Letter Acute Accent
    "\u02cb": "'",  # Modifier Letter Grave Accent
    "\u02d0": ":",  # Modifier Letter Triangular Colon
    "\u02d6": "+",  # Modifier Letter Plus Sign
    "\u02dc": "~",  # Small Tilde
    "\u02ee": "\u0022",  # Modifier Letter Double Apostrophe
    "\u02f7": "~",  # Modifier Letter Low Tilde
    "\u02f8": ":",  # Modifier Letter Raised Colon
    "\u0302": "^",  # Combining Circumflex Accent
    "\u0303": "~",  # Combining Tilde
    "\u0313": "'",  # Combining Comma Above
    "\u0314": "'",  # Combining Reversed Comma Above
    "\u0326": ",",  # Combining Comma Below
    "\u0330": "~",  # Combining Tilde Below
    "\u0332": "_",  # Combining Low Line
    "\u0334": "~",  # Combining Tilde Overlay
    "\u0337": "/",  # Combining Short Solidus Overlay
    "\u0338": "/",  # Combining Long Solidus Overlay
    "\u0347": "=",  # Combining Equals Sign Below
    "\u1d00": "A",  # Latin Letter Small Capital A
    "\u1d04": "C",  # Latin Letter Small Capital C
    "\u1d05": "D",  # Latin Letter Small Capital D
    "\u1d07": "E",  # Latin Letter Small Capital E
    "\u1d0a": "J",  # Latin Letter Small Capital J
    "\u1d0b": "K",  # Latin Letter Small Capital K
    "\u1d0d": "M",  # Latin Letter Small Capital M
    "\u1d0f": "O",  # Latin Letter Small Capital O
    "\u1d18": "P",  # Latin Letter Small Capital P
    "\u1d1b": "T",  # Latin Letter Small Capital T
    "\u1d1c": "U",  # Latin Letter Small Capital U
    "\u1d20": "V",  # Latin Letter Small Capital V
    "\u1d21": "W",  # Latin Letter Small Capital W
    "\u1d22": "Z",  # Latin Letter Small Capital Z
    "\u1dcd": "^",  # Combining Double Circumflex Above
    "\u2000": "  ",  # En Quad
    "\u2001": " ",  # Em Quad
    "\u2002": "  ",  # En Space
    "\u2003": "  ",  # Em Space
    "\u2004": "  ",  # Three-Per-Em Space
    "\u2005": "  ",  # Four-Per-Em Space
    "\u2006": "  ",  # Six-Per-Em Space
    "\u2007": "  ",  # Figure Space
    "\u2008": "  ",  # Punctuation Space
    "\u2009": "  ",  # Thin Space
    "\u200a": "  ",  # Hair Space
    "\u200b": "",  # Zero Width Space
    "\u200c": "",  # Zero Width Non-Joiner
    "\u2010": "-",  # Hyphen
    "\u2013": "-",  # En Dash
    "\u2014": "-",  # Em Dash
    "\u2015": "-",  # Horizontal Bar
    "\u2017": "_",  # Double Low Line
    "\u2018": "'",  # Left Single Quotation Mark
    "\u2019": "'",  # Right Single Quotation Mark
    "\u201a": ",",  # Single Low-9 Quotation Mark
    "\u201b": "'",  # Single High-Reversed-9 Quotation Mark
    "\u201c": "\u0022",  # Left Double Quotation Mark
    "\u201d": "\u0022",  # Right Double Quotation Mark
    "\u201e": "\u0022",  # Double Low-9 Quotation Mark
    "\u201f": "\u0022",  # Double High-Reversed-9 Quotation Mark
    "\u2022": "-",  # Bullet
    "\u2026": "...",  # Horizontal Ellipsis
    "\u2028": " ",  # Line Separator
    "\u2029": " ",  # Paragraph Separator
    "\u202f": "  ",  # Narrow No-Break Space
    "\u2039": "<",  # Single Left-Pointing Angle Quotation Mark
    "\u203a": ">",  # Single Right-Pointing Angle Quotation Mark
    "\u203c": "!!",  # Double Exclamation Mark
    "\u2043": "-",  # Hyphen Bullet
    "\u2044": "/",  # Fraction Slash
    "\u204e": "*",  # Low Asterisk
    "\u204f": ";",  # Reversed Semicolon
    "\u205f": "  ",  # Medium Mathematical Space
    "\u2060": "",  # Word Joiner
    "\u20d2": "|",  # Combining Long Vertical Line Overlay
    "\u20d3": "|",  # Combining Short Vertical Line Overlay
    "\u20e5": "\u005c",  # Combining Reverse Solidus Overlay
    "\u2215": "/",  # Division Slash
    "\u2217": "*",  # Asterisk Operator
    "\u2223": "|",  # Divides
    "\u223c": "~",  # Tilde Operator
    "\u229b": "*",  # Circled Asterisk Operator
    "\u239c": "|",  # Left Parenthesis Extension
    "\u239f": "|",  # Right Parenthesis Extension
    "\u23b8": "|",  # Left Vertical Box Line
    "\u23b9": "|",  # Right Vertical Box Line
    "\u23bc": "-",  # Horizontal Scan Line-7
    "\u23bd": "-",  # Horizontal Scan Line-9
    "\u23d0": "|",  # Vertical Line Extension
    "\u2722": "*",  # Four Teardrop-Spoked Asterisk
    "\u2723": "*",  # Four Balloon-Spoked Asterisk
    "\u2724": "*",  # Heavy Four Balloon-Spoked Asterisk
    "\u2725": "*",  # Four Club-Spoked Asterisk
    "\u2731": "*",  # Heavy Asterisk
    "\u2732": "*",  # Open Centre Asterisk
    "\u2733": "*",  # Eight Spoked Asterisk
    "\u273a": "*",  # Sixteen Pointed Asterisk
    "\u273b": "*",  # Teardrop-Spoked Asterisk
    "\u273c": "*",  # Open Centre Teardrop-Spoked Asterisk
    "\u273d": "*",  # Heavy Teardrop-Spoked Asterisk
    "\u2743": "*",  # Heavy Teardrop-Spoked Pinwheel Asterisk
    "\u2749": "*",  # Balloon-Spoked Asterisk
    "\u274a": "*",  # Eight Teardrop-Spoked Propeller Asterisk
    "\u274b": "*",  # Heavy Eight Teardrop-Spoked Propeller Asterisk
    "\u275b": "'",  # Heavy Single Turned Comma Quotation Mark Ornament
    "\u275c": "'",  # Heavy Single Comma Quotation Mark Ornament
    "\u275d": "\u0022",  # Heavy Double Turned Comma Quotation Mark Ornament
    "\u275e": "\u0022",  # Heavy Double Comma Quotation Mark Ornament
    "\u2768": "(",  # Medium Left Parenthesis Ornament
    "\u2769": ")",  # Medium Right Parenthesis Ornament
    "\u276a": "(",  # Medium Flattened Left Parenthesis Ornament
    "\u276b": ")",  # Medium Flattened Right Parenthesis Ornament
    "\u2774": "{",  # Medium Left Curly Bracket Ornament
    "\u2775": "}",  # Medium Right Curly Bracket Ornament
    "\u27ee": "(",  # Mathematical Left Flattened Parenthesis
    "\u27ef": ")",  # Mathematical Right Flattened Parenthesis
    "\u2982": ":",  # Z Notation Type Colon
    "\u2985": "(",  # Left White Parenthesis
    "\u2986": ")",  # Right White Parenthesis
    "\u29c6": "*",  # Squared Asterisk
    "\u29f5": "\u005c",  # Reverse Solidus Operator
    "\u29f8": "/",  # Big Solidus
    "\u29f9": "\u005c",  # Big Reverse Solidus
    "\u3000": "  ",  # Ideographic Space
    "\u3001": ",",  # Ideographic Comma
    "\u3002": ".",  # Ideographic Full Stop
    "\u301d": "\u0022",  # Reversed Double Prime Quotation Mark
    "\u301e": "\u0022",  # Double Prime Quotation Mark
    "\ua730": "F",  # Latin Letter Small Capital F
    "\ua731": "S",  # Latin Letter Small Capital S
    "\ua789": ":",  # Modifier Letter Colon
    "\ua78a": "=",  # Modifier Letter Short Equals Sign
    "\ufe10": "'",  # Presentation Form For Vertical Comma
    "\ufe11": "'",  # Presentation Form For Vertical Ideographic Comma
    "\ufe13": ":",  # Presentation Form For Vertical Colon
    "\ufe14": ";",  # Presentation Form For Vertical Semicolon
    "\ufe15": "!",  # Presentation Form For Vertical Exclamation Mark
    "\ufe16": "?",  # Presentation Form For Vertical Question Mark
    "\ufe50": ",",  # Small Comma
    "\ufe51": ",",  # Small Ideographic Comma
    "\ufe52": ".",  # Small Full Stop
    "\ufe54": ";",  # Small Semicolon
    "\ufe56": "?",  # Small Question Mark
    "\ufe57": "!",  # Small Exclamation Mark
    "\ufe59": "(",  # Small Left Parenthesis
    "\ufe5a": ")",  # Small Right Parenthesis
    "\ufe5b": "{",  # Small Left Curly Bracket
    "\ufe5c": "}",  # Small Right Curly Bracket
    "\ufe5f": "#",  # Small Number Sign
    "\ufe60": "&",  # Small Ampersand
    "\ufe61": "*",  # Small Asterisk
    "\ufe62": "+",  # Small Plus Sign
    "\ufe63": "-",  # Small Hyphen-Minus
    "\ufe64": "<",  # Small Less-Than Sign
    "\ufe65": ">",  # Small Greater-Than Sign
    "\ufe66": "=",  # Small Equals Sign
    "\ufe68": "\u005c",  # Small Reverse Solidus
    "\ufe69": "$",  # Small Dollar Sign
    "\ufe6a": "%",  # Small Percent Sign
    "\ufe6b": "@",  # Small Commercial At
    "\ufeff": "",  # Zero Width No-Break Space
    "\uff01": "!",  # Fullwidth Exclamation Mark
    "\uff02": "\u0022",  # Fullwidth Quotation Mark
    "\uff03": "#",  # Fullwidth Number Sign
    "\uff04": "$",  # Fullwidth Dollar Sign
    "\uff05": "%",  # Fullwidth Percent Sign
    "\uff06": "&",  # Fullwidth Ampersand
    "\uff07": "'",  # Fullwidth Apostrophe
    "\uff08": "(",  # Fullwidth Left Parenthesis
    "\uff09": ")",  # Fullwidth Right Parenthesis
    "\uff0a": "*",  # Fullwidth Asterisk
    "\uff0b": "+",  # Fullwidth Plus Sign
    "\uff0c": ",",  # Fullwidth Comma
    "\uff0d": "-",  # Fullwidth Hyphen-Minus
    "\uff0e": ".",  # Fullwidth Full Stop
    "\uff0f": "/",  # Fullwidth Solidus
    "\uff10": "0",  # Fullwidth Digit Zero
    "\uff11": "1",  # Fullwidth Digit One
    "\uff12": "2",  # Fullwidth Digit Two
    "\uff13": "3",  # Fullwidth Digit Three
    "\uff14": "4",  # Fullwidth Digit Four
    "\uff15": "5",  # Fullwidth Digit Five
    "\uff16": "6",  # Fullwidth Digit Six
    "\uff17": "7",  # Fullwidth Digit Seven
    "\uff18": "8",  # Fullwidth Digit Eight
    "\uff19": "9",  # Fullwidth Digit Nine
    "\uff1a": ":",  # Fullwidth Colon
    "\uff1b": ";",  # Fullwidth Semicolon
    "\uff1c": "<",  # Fullwidth Less-Than Sign
    "\uff1d": "=",  # Fullwidth Equals Sign
    "\uff1e": ">",  # Fullwidth Greater-Than Sign
    "\uff1f": "?",  # Fullwidth Question Mark
    "\uff20": "@",  # Fullwidth Commercial At
    "\uff21": "A",  # Fullwidth Latin Capital Letter A
    "\uff22": "B",  # Fullwidth Latin Capital Letter B
    "\uff23": "C",  # Fullwidth Latin Capital Letter C
    "\uff24": "D",  # Fullwidth Latin Capital Letter D
    "\uff25": "E",  # Fullwidth Latin Capital Letter E
    "\uff26": "F",  # Fullwidth Latin Capital Letter F
    "\uff27": "G",  # Fullwidth Latin Capital Letter G
    "\uff28": "H",  # Fullwidth Latin Capital Letter H
    "\uff29": "I",  # Fullwidth Latin Capital Letter I
    "\uff2a": "J",  # Fullwidth Latin Capital Letter J
    "\uff2b": "K",  # Fullwidth Latin Capital Letter K
    "\uff2c": "L",  # Fullwidth Latin Capital Letter L
    "\uff2d": "M",  # Fullwidth Latin Capital Letter M
    "\uff2e": "N",  # Fullwidth Latin Capital Letter N
    "\uff2f": "O",  # Fullwidth Latin Capital Letter O
    "\uff30": "P",  # Fullwidth Latin Capital Letter P
    "\uff31": "Q",  # Fullwidth Latin Capital Letter Q
    "\uff32": "R",  # Fullwidth Latin Capital Letter R
    "\uff33": "S",  # Fullwidth Latin Capital Letter S
    "\uff34": "T",  # Fullwidth Latin Capital Letter T
    "\uff35": "U",  # Fullwidth Latin Capital Letter U
    "\uff36": "V",  # Fullwidth Latin Capital Letter V
    "\uff37": "W",  # Fullwidth Latin Capital Letter W
    "\uff38": "X",  # Fullwidth Latin Capital Letter X
    "\uff39": "Y",  # Fullwidth Latin Capital Letter Y
    "\uff3a": "Z",  # Fullwidth Latin Capital Letter Z
    "\uff3b": "[",  # Fullwidth Left Square Bracket
    "\uff3c": "\u005c",  # Fullwidth Reverse Solidus
    "\uff3d": "]",  # Fullwidth Right Square Bracket
    "\uff3e": "^",  # Fullwidth Circumflex Accent
    "\uff3f": "_",  # Fullwidth Low Line
    "\uff5b": "{",  # Fullwidth Left Curly Bracket
    "\uff5c": "|",  # Fullwidth Vertical Line
    "\uff5d": "}",  # Fullwidth Right Curly Bracket
    "\uff5e": "~",  # Fullwidth Tilde
    "\uff61": ".",  # Halfwidth Ideographic Full Stop
    "\uff64": ",",  # Halfwidth Ideographic Comma
}
