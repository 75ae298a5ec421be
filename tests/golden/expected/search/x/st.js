(self.siteSearchData=self.siteSearchData||{})["x/st"]={"df":"0201","terms":"step studi"};
