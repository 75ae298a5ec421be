(self.siteSearchData=self.siteSearchData||{})["x/se"]={"df":"01","terms":"seen"};
